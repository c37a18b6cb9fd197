import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fqdnSelectorMatches, readFqdnSelector } from './fqdnSelector.js';
import { labelGlobMatches } from './matchPattern.js';

// [pattern, names that must match, names that must not]
const patternTable: [string, string[], string[]][] = [
  ['cilium.io', ['cilium.io', 'cilium.io.', 'CILIUM.IO', 'Cilium.Io.'], ['www.cilium.io', 'cilium.io.com', 'ciliumxio', '', 'cilium']],
  ['CILIUM.io.', ['cilium.io', 'cilium.io.'], ['www.cilium.io']],
  ['*.cilium.io', ['www.cilium.io', 'blog.cilium.io.', 'WWW.Cilium.IO', '.cilium.io', 'a-b_c.cilium.io'], ['cilium.io', 'a.b.cilium.io', 'www.cilium.io.evil.com', 'www.cilium.com']],
  ['*cilium.io', ['cilium.io', 'mycilium.io', 'my-cilium.io'], ['www.cilium.io', 'a.mycilium.io', 'cilium.io.org']],
  ['sub*.cilium.io', ['sub.cilium.io', 'subdomain.cilium.io'], ['www.cilium.io', 'cilium.io', 'a.sub.cilium.io']],
  ['*.ci*.io', ['www.cilium.io', 'x.ci.io'], ['www.cilium.com', 'cilium.io']],
  ['a*b*c.com', ['abc.com', 'axxbyyc.com', 'aabbcc.com'], ['ab.com', 'acb.com', 'a.b.c.com']],
  ['**.cilium.io', ['www.cilium.io', 'a.b.cilium.io', 'x.y.z.cilium.io.', 'A.B.Cilium.io'], ['cilium.io', '.cilium.io', 'a..cilium.io', 'www.cilium.io.com']],
  ['***.cilium.io', ['www.cilium.io', 'a.b.cilium.io'], ['cilium.io']],
  ['**.*.cilium.io', ['a.b.cilium.io', 'a.b.c.cilium.io'], ['b.cilium.io', 'cilium.io']],
  // `**` not at the start, or not followed by a dot, is one `*`: same label only
  ['www.**.io', ['www.cilium.io', 'www..io'], ['www.a.b.io']],
  ['**cilium.io', ['cilium.io', 'mycilium.io'], ['a.cilium.io']],
  ['*', ['cilium.io', 'a.b.c.d', '.', '', 'UPPER.case', 'under_score.io'], []],
  ['**', ['cilium.io', 'a.b.c'], []],
  ['*.', ['cilium.io', 'x'], []],
  ['**.', ['cilium.io', 'x'], []],
  ['*.*', ['a.b', 'a.b.', '.b'], ['a', 'a.b.c']],
  ['_http._tcp.*', ['_http._tcp.local', '_http._tcp.x'], ['_http._tcp.a.b']],
];

describe('policy > matchPattern', () => {
  for (const [pattern, yes, no] of patternTable) {
    for (const name of yes) {
      it(`${pattern} matches ${JSON.stringify(name)}`, () => {
        expect(fqdnSelectorMatches({ matchPattern: pattern }, name)).toBe(true);
      });
    }
    for (const name of no) {
      it(`${pattern} does not match ${JSON.stringify(name)}`, () => {
        expect(fqdnSelectorMatches({ matchPattern: pattern }, name)).toBe(false);
      });
    }
  }

  it('never lets * cross a dot or match characters outside DNS names', () => {
    expect(fqdnSelectorMatches({ matchPattern: '*.io' }, 'a/b.io')).toBe(false);
    expect(fqdnSelectorMatches({ matchPattern: '*.io' }, 'a b.io')).toBe(false);
    expect(fqdnSelectorMatches({ matchPattern: 'a*' }, 'a.b')).toBe(false);
  });

  it('runs in polynomial time on adversarial patterns (no regexp backtracking)', () => {
    const pattern = `${'*a'.repeat(60)}*.com`;
    const name = `${'a'.repeat(59)}b.com`;
    const started = Date.now();
    expect(fqdnSelectorMatches({ matchPattern: pattern }, name)).toBe(false);
    expect(Date.now() - started).toBeLessThan(500);
  });
});

describe('policy > matchName', () => {
  const table: [string, string[], string[]][] = [
    ['api.github.com', ['api.github.com', 'API.GitHub.com.', 'api.github.com.'], ['github.com', 'x.api.github.com', 'api.github.co']],
    ['_srv._tcp.example.com.', ['_srv._tcp.example.com'], ['srv._tcp.example.com']],
    ['xn--e28h.com', ['xn--e28h.com'], ['e28h.com']],
  ];
  for (const [name, yes, no] of table) {
    it(`${name} matches exactly ${yes.join(', ')}`, () => {
      for (const y of yes) expect(fqdnSelectorMatches({ matchName: name }, y)).toBe(true);
      for (const n of no) expect(fqdnSelectorMatches({ matchName: name }, n)).toBe(false);
    });
  }
  it('treats a dot as a literal, not a regexp wildcard', () => {
    expect(fqdnSelectorMatches({ matchName: 'a.b.com' }, 'axb.com')).toBe(false);
  });
});

describe('policy > readFqdnSelector', () => {
  const invalid: [unknown, RegExp][] = [
    [{}, /exactly one of matchName and matchPattern/],
    [{ matchName: '' }, /exactly one/],
    [{ matchName: 'a.com', matchPattern: '*.com' }, /only one of matchName and matchPattern/],
    [{ matchName: '*.com' }, /invalid characters in matchName/],
    [{ matchPattern: 'a b.com' }, /invalid characters in matchPattern/],
    [{ matchPattern: 'a.com/x' }, /invalid characters/],
    [{ matchName: 'exämple.com' }, /invalid characters/],
    [{ matchName: 'a..com' }, /empty label/],
    [{ matchPattern: '.a.com' }, /empty label/],
    [{ matchPattern: '.' }, /empty label/],
    [{ matchName: `${'a'.repeat(252)}.com` }, /256 characters long; the limit is 255/],
    [{ matchName: 42 }, /matchName must be a string/],
    [{ matchPattern: null }, /matchPattern must be a string/],
    [{ matchName: 'a.com', extra: 1 }, /unknown field "extra"/],
    ['a.com', /must be an object/],
    [null, /must be an object/],
  ];
  for (const [raw, reason] of invalid) {
    it(`rejects ${JSON.stringify(raw)}`, () => {
      const read = readFqdnSelector(raw);
      expect('problems' in read && read.problems.map((p) => p.reason).join('; ')).toMatch(reason);
    });
  }

  it('accepts the 255-character limit exactly, underscores and trailing dots', () => {
    const name = `${'a'.repeat(251)}.com`;
    expect(name.length).toBe(255);
    expect(readFqdnSelector({ matchName: name })).toEqual({ selector: { matchName: name } });
    expect(readFqdnSelector({ matchPattern: '*._tcp.example.com.' })).toEqual({ selector: { matchPattern: '*._tcp.example.com.' } });
  });

  it('never throws on arbitrary input, and every valid pattern compiles and matches deterministically', () => {
    fc.assert(
      fc.property(fc.anything(), fc.string(), (raw, name) => {
        const read = readFqdnSelector(raw);
        if ('selector' in read) {
          const first = fqdnSelectorMatches(read.selector, name);
          expect(fqdnSelectorMatches(read.selector, name)).toBe(first);
        } else {
          expect(read.problems.length).toBeGreaterThan(0);
        }
      }),
    );
  });

  it('a pattern without stars matches exactly the names equal to it after canonicalisation', () => {
    const label = fc.stringMatching(/^[a-z0-9_-]{1,8}$/);
    fc.assert(
      fc.property(fc.array(label, { minLength: 1, maxLength: 4 }), fc.array(label, { minLength: 1, maxLength: 4 }), (a, b) => {
        const pattern = a.join('.');
        const name = b.join('.');
        expect(fqdnSelectorMatches({ matchPattern: pattern }, name)).toBe(pattern === name);
        expect(fqdnSelectorMatches({ matchName: pattern }, name.toUpperCase())).toBe(pattern === name);
      }),
    );
  });

  it('the label glob agrees with an anchored regexp on short inputs', () => {
    const glob = fc.stringMatching(/^[ab*]{0,6}$/);
    const label = fc.stringMatching(/^[ab]{0,6}$/);
    fc.assert(
      fc.property(glob, label, (g, l) => {
        const re = new RegExp(`^${g.replace(/\*+/g, '[-a-z0-9_]*')}$`);
        expect(labelGlobMatches(g.replace(/\*+/g, '*'), l)).toBe(re.test(l));
      }),
    );
  });
});
