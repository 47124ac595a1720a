// The completion scripts for bash, zsh and fish, generated from the command tree (spec.ts): the
// commands, flags and fixed values are written into the script; ticket ids, canned replies,
// agents, queues, tags and tiers come from `desk __complete KIND` when the agent presses Tab.
// Each script walks the words typed so far the same way: a word that names a subcommand of the
// current command descends into it, a flag that takes a value swallows the next word, anything
// else is a positional argument.
import type { CommandSpec, Values } from './spec.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

/** A value spec as the scripts read it: "w:a b c", "d:tickets", "f", or "" for free text. */
function code(v: Values | null): string {
  if (!v) return '';
  if ('words' in v) return `w:${v.words.join(' ')}`;
  if ('dynamic' in v) return `d:${v.dynamic}`;
  return 'f';
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

interface Tables {
  subs: [string, string][];
  flags: [string, string][];
  vals: [string, string][];
  args: [string, string][];
  variadic: string[];
}

function tables(spec: CommandSpec[]): Tables {
  const t: Tables = { subs: [], flags: [], vals: [], args: [], variadic: [] };
  for (const c of spec) {
    if (c.subcommands.length) t.subs.push([c.path, c.subcommands.join(' ')]);
    t.flags.push([c.path, c.flags.map((f) => f.name).join(' ')]);
    for (const f of c.flags) if (f.takesValue) t.vals.push([`${c.path} ${f.name}`, code(f.values)]);
    if (c.args.length) t.args.push([c.path, c.args.map(code).join('|')]);
    if (c.variadic) t.variadic.push(c.path);
  }
  return t;
}

const assoc = (name: string, rows: [string, string][]) => `${name}=(\n${rows.map(([k, v]) => `  [${q(k)}]=${q(v)}`).join('\n')}\n)`;

function bash(t: Tables): string {
  return `# desk completion for bash. Load it from ~/.bashrc:  source <(desk completion bash)
declare -gA _desk_subs _desk_flags _desk_vals _desk_args _desk_variadic
${assoc('_desk_subs', t.subs)}
${assoc('_desk_flags', t.flags)}
${assoc('_desk_vals', t.vals)}
${assoc('_desk_args', t.args)}
${assoc('_desk_variadic', t.variadic.map((p) => [p, '1']))}

_desk_values() {
  local spec=$1 cur=$2 IFS=$'\\n'
  case $spec in
    w:*) COMPREPLY=( $(IFS=' '; compgen -W "\${spec#w:}" -- "$cur") ) ;;
    d:*) COMPREPLY=( $(compgen -W "$(command desk __complete "\${spec#d:}" 2>/dev/null | cut -f1)" -- "$cur") ) ;;
    f) COMPREPLY=( $(compgen -f -- "$cur") ) ;;
  esac
}

_desk() {
  local cur=\${COMP_WORDS[COMP_CWORD]} cmdpath=desk n=0 i w pending=
  for (( i = 1; i < COMP_CWORD; i++ )); do
    w=\${COMP_WORDS[i]}
    if [[ -n $pending ]]; then pending=; continue; fi
    case $w in
      --*=*) ;;
      -*) [[ -n \${_desk_vals["$cmdpath $w"]+x} || -n \${_desk_vals["desk $w"]+x} ]] && pending=1 ;;
      *) if (( n == 0 )) && [[ " \${_desk_subs[$cmdpath]} " == *" $w "* ]]; then cmdpath="$cmdpath $w"; else n=$(( n + 1 )); fi ;;
    esac
  done
  COMPREPLY=()
  if [[ -n $pending ]]; then
    local f=\${COMP_WORDS[COMP_CWORD-1]}
    if [[ -n \${_desk_vals["$cmdpath $f"]+x} ]]; then _desk_values "\${_desk_vals["$cmdpath $f"]}" "$cur"; else _desk_values "\${_desk_vals["desk $f"]}" "$cur"; fi
    return
  fi
  if [[ $cur == -* ]]; then
    COMPREPLY=( $(compgen -W "\${_desk_flags[$cmdpath]} \${_desk_flags[desk]}" -- "$cur") )
    return
  fi
  if (( n == 0 )) && [[ -n \${_desk_subs[$cmdpath]} ]]; then
    COMPREPLY=( $(compgen -W "\${_desk_subs[$cmdpath]}" -- "$cur") )
    [[ -n \${_desk_args[$cmdpath]} ]] || return
  fi
  local -a specs
  IFS='|' read -r -a specs <<< "\${_desk_args[$cmdpath]}"
  local at=$n
  if (( at >= \${#specs[@]} )) && [[ -n \${_desk_variadic[$cmdpath]} ]]; then at=$(( \${#specs[@]} - 1 )); fi
  (( at < \${#specs[@]} )) && [[ -n \${specs[at]} ]] && _desk_values "\${specs[at]}" "$cur"
  return 0
}
complete -F _desk desk
`;
}

function zsh(t: Tables): string {
  return `#compdef desk
# desk completion for zsh. Load it from ~/.zshrc, after compinit:  source <(desk completion zsh)
typeset -gA _desk_subs _desk_flags _desk_vals _desk_args _desk_variadic
${assoc('_desk_subs', t.subs)}
${assoc('_desk_flags', t.flags)}
${assoc('_desk_vals', t.vals)}
${assoc('_desk_args', t.args)}
${assoc('_desk_variadic', t.variadic.map((p) => [p, '1']))}

_desk_values() {
  local spec=$1
  case $spec in
    w:*) compadd -- \${=\${spec#w:}} ;;
    d:*)
      local -a lines vals descs
      local l
      lines=( \${(f)"$(command desk __complete \${spec#d:} 2>/dev/null)"} )
      for l in $lines; do
        vals+=( "\${l%%$'\\t'*}" )
        if [[ $l == *$'\\t'* ]]; then descs+=( "\${l%%$'\\t'*}  -- \${l#*$'\\t'}" ); else descs+=( "$l" ); fi
      done
      (( \${#vals} )) && compadd -l -d descs -- $vals ;;
    f) _files ;;
  esac
}

_desk() {
  local cur=\${words[CURRENT]} cmdpath=desk n=0 i w pending=
  for (( i = 2; i < CURRENT; i++ )); do
    w=\${words[i]}
    if [[ -n $pending ]]; then pending=; continue; fi
    case $w in
      --*=*) ;;
      -*) [[ -n \${_desk_vals[$cmdpath $w]+x} || -n \${_desk_vals[desk $w]+x} ]] && pending=1 ;;
      *) if (( n == 0 )) && [[ " \${_desk_subs[$cmdpath]} " == *" $w "* ]]; then cmdpath="$cmdpath $w"; else n=$(( n + 1 )); fi ;;
    esac
  done
  if [[ -n $pending ]]; then
    local f=\${words[CURRENT-1]}
    if [[ -n \${_desk_vals[$cmdpath $f]+x} ]]; then _desk_values "\${_desk_vals[$cmdpath $f]}"; else _desk_values "\${_desk_vals[desk $f]}"; fi
    return
  fi
  if [[ $cur == -* ]]; then
    compadd -- \${=_desk_flags[$cmdpath]} \${=_desk_flags[desk]}
    return
  fi
  if (( n == 0 )) && [[ -n \${_desk_subs[$cmdpath]} ]]; then
    compadd -- \${=_desk_subs[$cmdpath]}
    [[ -n \${_desk_args[$cmdpath]} ]] || return
  fi
  local -a specs
  specs=( "\${(@s:|:)_desk_args[$cmdpath]}" )
  local at=$(( n + 1 ))
  if (( at > \${#specs} )) && [[ -n \${_desk_variadic[$cmdpath]} ]]; then at=\${#specs}; fi
  (( at <= \${#specs} )) && [[ -n \${specs[at]} ]] && _desk_values "\${specs[at]}"
  return 0
}
compdef _desk desk
`;
}

function fishSwitch(fn: string, rows: [string, string][]): string {
  return `function ${fn}\n    switch $argv[1]\n${rows.map(([k, v]) => `        case ${q(k)}\n            echo ${q(v)}`).join('\n')}\n    end\nend`;
}

function fish(t: Tables): string {
  return `# desk completion for fish. Load it:  desk completion fish > ~/.config/fish/completions/desk.fish
${fishSwitch('__desk_subs', t.subs)}
${fishSwitch('__desk_flags', t.flags)}
${fishSwitch('__desk_vals', t.vals)}
${fishSwitch('__desk_args', t.args)}
${fishSwitch('__desk_variadic', t.variadic.map((p) => [p, '1']))}

function __desk_values -a spec cur
    switch $spec
        case 'w:*'
            string split ' ' -- (string sub -s 3 -- $spec)
        case 'd:*'
            command desk __complete (string sub -s 3 -- $spec) 2>/dev/null
        case f
            __fish_complete_path $cur
    end
end

function __desk_complete
    set -l tokens (commandline -opc)
    set -l cur (commandline -ct)
    set -l cmdpath desk
    set -l n 0
    set -l pending
    for w in $tokens[2..-1]
        if test -n "$pending"
            set pending
            continue
        end
        switch $w
            case '--*=*'
            case '-*'
                if test -n "$(__desk_vals "$cmdpath $w")" -o -n "$(__desk_vals "desk $w")"
                    set pending 1
                end
            case '*'
                if test $n -eq 0; and contains -- $w (string split ' ' -- (__desk_subs $cmdpath))
                    set cmdpath "$cmdpath $w"
                else
                    set n (math $n + 1)
                end
        end
    end
    if test -n "$pending"
        set -l spec (__desk_vals "$cmdpath $tokens[-1]")
        test -n "$spec"; or set spec (__desk_vals "desk $tokens[-1]")
        __desk_values $spec $cur
        return
    end
    if string match -q -- '-*' $cur
        string split ' ' -- (__desk_flags $cmdpath) (__desk_flags desk)
        return
    end
    set -l subs (__desk_subs $cmdpath)
    if test $n -eq 0 -a -n "$subs"
        string split ' ' -- $subs
        test -n "$(__desk_args $cmdpath)"; or return
    end
    set -l specs (string split '|' -- (__desk_args $cmdpath))
    set -l at (math $n + 1)
    if test $at -gt (count $specs); and test -n "$(__desk_variadic $cmdpath)"
        set at (count $specs)
    end
    if test $at -le (count $specs); and test -n "$specs[$at]"
        __desk_values $specs[$at] $cur
    end
end

complete -c desk -f -a '(__desk_complete)'
`;
}

export function completionScript(shell: Shell, spec: CommandSpec[]): string {
  const t = tables(spec);
  return shell === 'bash' ? bash(t) : shell === 'zsh' ? zsh(t) : fish(t);
}
