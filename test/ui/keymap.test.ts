import { describe, expect, test } from 'vitest';
import { BINDINGS, footerHints, helpSections, resolveKey, VIEWS } from '../../source/ui/keymap.js';

describe('keymap', () => {
  test('no key means two things in the same mode', () => {
    const seen = new Map<string, string>();
    for (const b of BINDINGS) {
      for (const m of b.modes) {
        for (const k of b.keys) {
          const where = `${m}:${k}`;
          expect(seen.get(where), `${where} bound twice`).toBeUndefined();
          seen.set(where, b.id);
        }
      }
    }
  });

  test("the filter's help names every kind of field the filter searches", () => {
    const filter = BINDINGS.find((b) => b.id === 'list.filter');
    // The haystacks in ui/rows.ts: names, ids, addresses, identities, SPIs, selectors.
    for (const word of ['name', 'id', 'host', 'IP', 'identity', 'SPI', 'selector']) {
      expect(filter?.description).toContain(word);
    }
  });

  test("the issue's keys resolve to their actions", () => {
    expect(resolveKey('sas', 'r', false)).toBe('sa.rekey');
    expect(resolveKey('sas', 't', false)).toBe('sa.terminate');
    expect(resolveKey('sas', 'd', false)).toBe('sa.redirect');
    expect(resolveKey('conns', 'i', false)).toBe('conn.initiate');
    expect(resolveKey('sas', 'space', false)).toBe('list.tag');
    expect(resolveKey('sas', 's', false)).toBe('sa.sort');
    expect(resolveKey('sas', 'I', false)).toBe('sa.invert');
    expect(resolveKey('sas', 'left', false)).toBe('sa.fold');
    expect(resolveKey('sas', 'right', false)).toBe('sa.unfold');
    expect(resolveKey('sas', '*', false)).toBe('sa.foldAll');
    expect(resolveKey('events', 'l', false)).toBe('events.level');
    expect(resolveKey('events', 'p', false)).toBe('events.pause');
    for (const v of VIEWS) {
      expect(resolveKey(v, 'q', false)).toBe('app.quit');
      expect(resolveKey(v, '?', false)).toBe('app.help');
      expect(resolveKey(v, 'tab', false)).toBe('view.next');
      expect(resolveKey(v, '+', false)).toBe('poll.slower');
      expect(resolveKey(v, '-', false)).toBe('poll.faster');
      expect(resolveKey(v, '/', false)).toBe('list.filter');
      expect(resolveKey(v, 'j', false)).toBe('nav.down');
      expect(resolveKey(v, 'G', false)).toBe('nav.bottom');
    }
    expect(resolveKey('events', 'r', false)).toBeUndefined();
  });

  test('read-only: mutating actions resolve to nothing and leave footer and help', () => {
    const mutating = BINDINGS.filter((b) => b.mutates).map((b) => b.id);
    expect(mutating).toEqual(
      expect.arrayContaining(['sa.rekey', 'sa.terminate', 'sa.redirect', 'conn.initiate']),
    );
    expect(resolveKey('sas', 'r', true)).toBeUndefined();
    expect(resolveKey('sas', 't', true)).toBeUndefined();
    expect(resolveKey('conns', 'i', true)).toBeUndefined();
    const footerIds = VIEWS.flatMap((v) => footerHints(v, true).map((h) => h.id));
    const helpIds = helpSections(true).flatMap((s) => s.lines.map((l) => l.id));
    for (const id of mutating) {
      expect(footerIds).not.toContain(id);
      expect(helpIds).not.toContain(id);
    }
    expect(helpIds).toContain('app.quit');
  });

  test('help lists every binding exactly once', () => {
    const ids = helpSections(false).flatMap((s) => s.lines.map((l) => l.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids)).toEqual(new Set(BINDINGS.map((b) => b.id)));
  });

  test('help lists each key where it works: the sort picker keys under the sort picker, Enter and Space under both list views', () => {
    const sections = helpSections(false);
    const where = (id: string) => sections.find((s) => s.lines.some((l) => l.id === id))?.title;
    expect(where('sort.pick')).toBe('Sort picker (s)');
    expect(where('sort.cancel')).toBe('Sort picker (s)');
    expect(where('overlay.close')).toBe('Help and details panes');
    expect(where('list.details')).toBe('SAs and Connections views');
    expect(where('list.tag')).toBe('SAs and Connections views');
    expect(where('view.previous')).toBe('Everywhere');
    expect(resolveKey('sas', 'shift+tab', false)).toBe('view.previous');
  });

  test('read-only: Space (tag) is not offered, since nothing could act on tagged rows', () => {
    expect(resolveKey('sas', 'space', true)).toBeUndefined();
    expect(footerHints('sas', true).map((h) => h.id)).not.toContain('list.tag');
    expect(helpSections(true).flatMap((s) => s.lines.map((l) => l.id))).not.toContain('list.tag');
  });
});
