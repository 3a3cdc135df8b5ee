import { describe, expect, it } from 'vitest';
import { Kind } from 'graphql';
import { BungieHashScalar, parseHash } from '../../src/plugins/game/shared/hash.scalar.ts';

describe('BungieHash', () => {
  it('serializes unsigned 32-bit hashes as exact JSON numbers', () => {
    expect(BungieHashScalar.serialize(4294967295n)).toBe(4294967295);
    expect(BungieHashScalar.serialize(3159615086)).toBe(3159615086);
    expect(() => BungieHashScalar.serialize('abc')).toThrow('BungieHash cannot represent abc');
  });

  it('parses numbers and decimal strings, refusing anything outside 0..4294967295', () => {
    expect(parseHash(3159615086)).toBe(3159615086n);
    expect(parseHash(' 3159615086 ')).toBe(3159615086n);
    expect(BungieHashScalar.parseLiteral({ kind: Kind.INT, value: '4294967295' })).toBe(4294967295n);
    for (const bad of [-1, 4294967296, 1.5, '12a', '', null]) {
      expect(() => parseHash(bad)).toThrow(/expected an integer from 0 to 4294967295/);
    }
  });
});
