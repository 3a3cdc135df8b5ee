import { gameRequest } from './game-request.ts';
import { textIn, type Localized } from './rows.ts';
import type { RequestContext } from 'tessera';

/** Reads a localized text field of a definition row in the row's language, falling back to the default. */
export function localizedField<TText extends { lang: string }, K extends keyof TText>(
  row: Localized<{ texts: readonly TText[] }>,
  field: K,
  context: RequestContext,
): TText[K] | null {
  const text = textIn(row.texts, row.lang, gameRequest(context).defaultLanguage);
  return text ? text[field] : null;
}
