/**
 * The Office theme as light or dark. Outlook does not support `officeTheme.isDarkTheme` / `themeId`; the documented
 * way is to look at the body colours, so the decision is the luminance of `bodyBackgroundColor`.
 */
import { hasOffice, office } from './officeGlobal';

export type ThemeName = 'light' | 'dark';

export interface ThemeColours {
  bodyBackgroundColor?: string;
  isDarkTheme?: boolean;
}

/** Relative luminance (WCAG) of #rgb / #rrggbb; undefined for anything else. */
export function luminance(colour: string): number | undefined {
  const match = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(colour.trim());
  if (match === null) return undefined;
  const hex = match[1].length === 3 ? [...match[1]].map((c) => c + c).join('') : match[1];
  const channel = (offset: number): number => {
    const value = Number.parseInt(hex.slice(offset, offset + 2), 16) / 255;
    return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4);
}

export function themeFromColours(theme: ThemeColours | undefined | null): ThemeName {
  if (theme === undefined || theme === null) return 'light';
  const lum = theme.bodyBackgroundColor !== undefined ? luminance(theme.bodyBackgroundColor) : undefined;
  if (lum !== undefined) return lum < 0.4 ? 'dark' : 'light';
  return theme.isDarkTheme === true ? 'dark' : 'light';
}

export function readOfficeTheme(): ThemeName {
  if (!hasOffice()) return 'light';
  return themeFromColours(office().context?.officeTheme);
}
