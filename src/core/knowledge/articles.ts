import type { Category } from '../model/category';
import type { Article, VersionNote } from './articleModel';
import { NETWORK_ARTICLES } from './networkArticles';
import { RUNTIME_ARTICLES } from './runtimeArticles';

// The article's shape and version helpers live in articleModel.ts; callers that import them from here keep working.
export { parseVersion, runtimeUnit, versionAtLeast } from './articleModel';
export type { Article, ArticleSubject, Reference, VersionNote } from './articleModel';

/**
 * One article per problem category: what it means, the manual fix, version notes and references. Log findings
 * (`core/diagnosis`) and node findings (`core/inventory/findings`) of a category show the same article, and the
 * README's rule catalog is rendered from these.
 */
const ARTICLE_LIST: readonly Article[] = [...NETWORK_ARTICLES, ...RUNTIME_ARTICLES];

const BY_CATEGORY = new Map<Category, Article>(ARTICLE_LIST.map((a) => [a.category, a]));

/** Every article, in catalog order. */
export const ARTICLES: readonly Article[] = ARTICLE_LIST;

/** The article of a category (every category has one; a unit test checks it). */
export function articleFor(category: Category): Article {
  const article = BY_CATEGORY.get(category);
  if (article === undefined) {
    throw new Error(`no article for category ${category}`);
  }
  return article;
}

/** The article's version notes with, for each, whether it applies to the runtime named (undefined: unknown). */
export function versionNotesFor(category: Category, runtime?: { readonly name: string; readonly version: string }): { note: VersionNote; applies?: boolean }[] {
  const notes = articleFor(category).versionNotes ?? [];
  return notes.map((note) => {
    const applies = runtime !== undefined && note.appliesTo !== undefined ? note.appliesTo(runtime.name, runtime.version) : undefined;
    return applies === undefined ? { note } : { note, applies };
  });
}
