/*
 * Just enough of a terminal to replay what Ink writes (cursor moves, erases, the alternate
 * buffer; colours ignored), so a test can look at the screen a user would see after many
 * frames rather than at one frame in isolation.
 */
export function replay(data: string, columns: number, rows: number): string[] {
  const blank = () => Array.from({ length: columns }, () => ' ');
  let screen = Array.from({ length: rows }, blank);
  let x = 0;
  let y = 0;
  let top = 0;
  let bottom = rows - 1;
  const down = () => {
    y++;
    if (y >= rows) {
      screen.shift();
      screen.push(blank());
      y = rows - 1;
    }
  };
  const token = /\x1b\[([?0-9;]*)([A-Za-z])|\x1b.|\r|\n|[^\x1b\r\n]/gsu;
  for (const m of data.matchAll(token)) {
    const [s, params = '', cmd] = m;
    if (cmd) {
      if (params.startsWith('?')) {
        if (params === '?1049') screen = Array.from({ length: rows }, blank);
        continue;
      }
      const parts = params.split(';');
      const n = parts[0] ? Number(parts[0]) : 1;
      switch (cmd) {
        case 'A':
          y = Math.max(0, y - n);
          break;
        case 'B':
          y = Math.min(rows - 1, y + n);
          break;
        case 'C':
          x = Math.min(columns - 1, x + n);
          break;
        case 'D':
          x = Math.max(0, x - n);
          break;
        case 'E':
          x = 0;
          for (let i = 0; i < n; i++) if (y < rows - 1) y++;
          break;
        case 'G':
          x = n - 1;
          break;
        case 'H':
          y = parts[0] ? Number(parts[0]) - 1 : 0;
          x = parts[1] ? Number(parts[1]) - 1 : 0;
          break;
        case 'J':
          if (params === '2' || params === '3') screen = Array.from({ length: rows }, blank);
          else if (params === '' || params === '0') {
            for (let i = x; i < columns; i++) screen[y]![i] = ' ';
            for (let r = y + 1; r < rows; r++) screen[r] = blank();
          }
          break;
        case 'r':
          // Scroll region; setting it homes the cursor.
          top = parts[0] ? Number(parts[0]) - 1 : 0;
          bottom = parts[1] ? Number(parts[1]) - 1 : rows - 1;
          x = 0;
          y = 0;
          break;
        case 'L':
        case 'M':
          if (y >= top && y <= bottom) {
            const region = screen.slice(y, bottom + 1);
            const k = Math.min(n, region.length);
            const blanks = Array.from({ length: k }, blank);
            const moved =
              cmd === 'L'
                ? [...blanks, ...region.slice(0, region.length - k)]
                : [...region.slice(k), ...blanks];
            screen.splice(y, moved.length, ...moved);
          }
          break;
        case 'K':
          if (params === '' || params === '0')
            for (let i = x; i < columns; i++) screen[y]![i] = ' ';
          else if (params === '2') screen[y] = blank();
          break;
      }
      continue;
    }
    if (s === '\r') x = 0;
    else if (s === '\n') {
      // A pipe does not translate LF to CR LF; Ink relies on the terminal doing so.
      x = 0;
      down();
    } else if (!s.startsWith('\x1b')) {
      if (x < columns) screen[y]![x] = s;
      x++;
    }
  }
  return screen.map((r) => r.join('').trimEnd());
}
