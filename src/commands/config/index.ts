// desk config path | get KEY | set KEY VALUE
import type { Command } from 'commander';
import type { Act } from '../../cli/program.js';
import { NotFoundError } from '../../errors.js';

export function register(program: Command, act: Act): void {
  const config = program.command('config').description('show or change settings');
  config
    .command('path')
    .description('where the config file is (or would be)')
    .action(act(async (ctx) => {
      const { configPath } = await import('../../config.js');
      ctx.io.out(configPath() + '\n');
    }));
  config
    .command('get')
    .description('print one setting (dotted key, e.g. smtp.host); without KEY, all of them')
    .argument('[key]', 'setting')
    .option('--json', 'print JSON')
    .action(act(async (ctx, key: string | undefined) => {
      const { getKey } = await import('../../config.js');
      const loaded = await ctx.loadedConfig();
      const value = key ? getKey(loaded.data, key) : loaded.data;
      if (value === undefined) throw new NotFoundError(`'${key}' is not set in ${loaded.path}`);
      if (ctx.json || (typeof value === 'object' && value !== null)) ctx.io.out((await import('../../ui/safe-text.js')).jsonText(value, 2) + '\n');
      else ctx.io.out(String(value) + '\n');
    }));
  config
    .command('set')
    .description('change one setting (the value is read as YAML: numbers, true/false, lists)')
    .argument('<key>', 'setting, e.g. agent or smtp.port')
    .argument('<value>', 'new value')
    .action(act(async (ctx, key: string, value: string) => {
      const { configPath, setKey } = await import('../../config.js');
      const path = configPath();
      const v = await setKey(path, key, value);
      ctx.io.err(`${key} = ${JSON.stringify(v)} (${path})\n`);
    }));
}
