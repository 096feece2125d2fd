// i18n.js - English and Simplified Chinese. Every visible string comes from
// t(key, vars); the chosen language is remembered in localStorage and the
// current page is re-rendered when it changes.
import en from './locales/en.js';
import zh from './locales/zh.js';

export const LANGS = { en: 'English', zh: '中文' };
const DICTS = { en, zh };
const KEY = 'zq.lang';
const listeners = new Set();

function initial() {
  let saved = null;
  try { saved = localStorage.getItem(KEY); } catch (e) { /* storage disabled */ }
  if (saved && DICTS[saved]) return saved;
  const nav = (navigator.language || 'en').toLowerCase();
  return nav.startsWith('zh') ? 'zh' : 'en';
}

let lang = initial();

export function getLang() {
  return lang;
}

/** BCP 47 tag for Intl and the html lang attribute. */
export function locale() {
  return lang === 'zh' ? 'zh-CN' : 'en';
}

export function setLang(next) {
  if (!DICTS[next] || next === lang) return;
  lang = next;
  try { localStorage.setItem(KEY, next); } catch (e) { /* storage disabled */ }
  document.documentElement.lang = locale();
  for (const fn of listeners) fn(next);
}

export function onLangChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** t('tasks.count', {n: 3}) -> "3 tasks"; unknown keys come back as the key. */
export function t(key, vars) {
  let s = DICTS[lang][key];
  if (s === undefined) s = DICTS.en[key];
  if (s === undefined) return key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
  return s;
}

/** t() for a key that may not exist: returns fallback instead of the key. */
export function tOr(key, fallback, vars) {
  return key in DICTS[lang] || key in DICTS.en ? t(key, vars) : fallback;
}

document.documentElement.lang = locale();
