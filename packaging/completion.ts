/**
 * Bash completion for swantop, rendered from source/help.ts: the flags --help lists, and for
 * --uri the sockets where a daemon usually listens plus files (a path is a valid --uri).
 */
import { FLAGS, STANDARD_FLAGS } from '../source/help.js';

export function bashCompletion(): string {
  const all = [...FLAGS, ...STANDARD_FLAGS].map((f) => f.flag).join(' ');
  const takesValue = FLAGS.filter((f) => f.value).map((f) => f.flag);
  const uri = FLAGS.filter((f) => f.complete === 'uri').map((f) => f.flag);
  return `# bash completion for swantop(1); generated from swantop's --help source
_swantop() {
  local cur prev
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  case "$prev" in
    ${uri.join('|')})
      local sockets=(unix:///var/run/charon.vici)
      local s
      for s in /run/*.vici /run/*/*.vici; do
        [ -S "$s" ] && sockets+=("unix://$s")
      done
      COMPREPLY=($(compgen -W "\${sockets[*]}" -- "$cur") $(compgen -f -- "$cur"))
      return
      ;;
    ${takesValue.filter((f) => !uri.includes(f)).join('|')})
      COMPREPLY=()
      return
      ;;
  esac
  COMPREPLY=($(compgen -W "${all}" -- "$cur"))
}
complete -F _swantop swantop
`;
}
