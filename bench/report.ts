/**
 * Prints bench/results.json (or the file given) as a Markdown table for the README:
 *
 *   tsx bench/report.ts [results.json]
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type BenchRow, describeTarget, fmt, verdict } from './result.js';

export interface ResultsFile {
  startedAt: string;
  finishedAt: string;
  command: string;
  quick: boolean;
  machine: string;
  results: BenchRow[];
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function markdown(file: ResultsFile): string {
  const out = [
    `Measured ${file.finishedAt.slice(0, 16).replace('T', ' ')} UTC on ${file.machine} with \`${file.command}\`${file.quick ? ' (--quick: shortened windows, not for publication)' : ''}.`,
    '',
    '| benchmark | measured | reference (same run) | ratio | target | |',
    '|---|---:|---:|---:|---|---|',
  ];
  for (const r of file.results) {
    out.push(
      `| ${cell(r.name)} | ${fmt(r.value)} ${r.unit} | ${fmt(r.reference)} ${r.unit} | ${fmt(r.ratio)} | ${describeTarget(r)} | ${verdict(r)} |`,
    );
  }
  const notes = file.results.filter((r) => r.note);
  if (notes.length > 0) {
    out.push('', 'Notes:', '');
    for (const r of notes) out.push(`- ${cell(r.name)}: ${cell(r.note!)}`);
  }
  return out.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const path = process.argv[2] ?? fileURLToPath(new URL('./results.json', import.meta.url));
  try {
    console.log(markdown(JSON.parse(readFileSync(path, 'utf8')) as ResultsFile));
  } catch (err) {
    process.stderr.write(`report: cannot read ${path}: ${(err as Error).message}\n`);
    process.exit(1);
  }
}
