import { describe, expect, it } from 'vitest';
import { pickLanguage } from '../../src/plugins/game/shared/language.ts';

describe('pickLanguage', () => {
  const loaded = ['en', 'fr', 'zh-chs', 'pt-br'] as const;

  it('takes the argument when the language is loaded, else the default', () => {
    expect(pickLanguage('fr', 'ja', loaded)).toBe('fr');
    expect(pickLanguage('FR', undefined, loaded)).toBe('fr');
    expect(pickLanguage('de', 'fr', loaded)).toBe('en');
  });

  it('refuses a language Bungie does not have, saying which exist', () => {
    expect(() => pickLanguage('klingon', undefined, loaded)).toThrow(/Unknown language "klingon": use one of en, fr, es/);
  });

  it('reads Accept-Language by quality, with regional tags and Bungie aliases', () => {
    expect(pickLanguage(undefined, 'de;q=0.9, fr;q=0.8, en;q=0.1', loaded)).toBe('fr');
    expect(pickLanguage(undefined, 'fr-CA', loaded)).toBe('fr');
    expect(pickLanguage(undefined, 'zh-CN,zh;q=0.9', loaded)).toBe('zh-chs');
    expect(pickLanguage(undefined, 'pt-BR', loaded)).toBe('pt-br');
    expect(pickLanguage(undefined, 'fr;q=0, en', loaded)).toBe('en');
    expect(pickLanguage(undefined, '*', loaded)).toBe('en');
    expect(pickLanguage(undefined, 'garbage;;;q=x', loaded)).toBe('en');
  });
});
