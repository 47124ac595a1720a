#!/usr/bin/env node
import '../dist/desk.js';
