import { bungieLanguages, type BungieLanguage } from '../config.ts';
import { BadUserInputError } from 'tessera';

// Regional tags that Bungie names differently.
const regionalAliases: Record<string, BungieLanguage> = {
  'zh-tw': 'zh-cht',
  'zh-hk': 'zh-cht',
  'zh-hant': 'zh-cht',
  'zh-cn': 'zh-chs',
  'zh-sg': 'zh-chs',
  'zh-hans': 'zh-chs',
  'pt-pt': 'pt-br',
};

/**
 * The language of a query: the `lang` argument if given (it must be one the server loaded), else the best
 * Accept-Language match among the loaded languages, else the default (the first configured language).
 */
export function pickLanguage(
  argument: string | null | undefined,
  acceptLanguage: string | undefined,
  loaded: readonly BungieLanguage[],
): BungieLanguage {
  const fallback = loaded[0] as BungieLanguage;
  if (argument) {
    const lang = argument.toLowerCase();
    if (!(bungieLanguages as readonly string[]).includes(lang)) {
      throw new BadUserInputError(`Unknown language ${JSON.stringify(argument)}: use one of ${bungieLanguages.join(', ')}.`);
    }
    return loaded.includes(lang as BungieLanguage) ? (lang as BungieLanguage) : fallback;
  }
  if (!acceptLanguage) return fallback;
  const ranked = acceptLanguage
    .split(',')
    .map((part, position) => {
      const [tag = '', ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((param) => param.trim()).find((param) => param.startsWith('q='));
      return { tag, quality: q ? Number(q.slice(2)) : 1, position };
    })
    .filter((entry) => entry.tag && entry.tag !== '*' && Number.isFinite(entry.quality) && entry.quality > 0)
    .sort((a, b) => b.quality - a.quality || a.position - b.position);
  for (const { tag } of ranked) {
    const candidates = [tag, regionalAliases[tag], tag.split('-')[0]];
    for (const candidate of candidates) {
      if (candidate && loaded.includes(candidate as BungieLanguage)) return candidate as BungieLanguage;
    }
  }
  return fallback;
}
