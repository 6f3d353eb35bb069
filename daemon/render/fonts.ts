import { CommandError } from '../errors.js';

/** The font files a pane image is drawn with: a monospace face, its bold, and faces for what it lacks. */
export interface FontFiles {
  regular: string;
  bold: string | null;
  /** Symbols, emoji and CJK the monospace face has no glyph for; resvg falls back to them per character. */
  fallbacks: string[];
}

const MONO: Partial<Record<NodeJS.Platform, string[]>> = {
  linux: [
    '/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf',
    '/usr/share/fonts/TTF/DejaVuSansMono.ttf',
    '/usr/share/fonts/dejavu/DejaVuSansMono.ttf',
    '/usr/share/fonts/dejavu-sans-mono-fonts/DejaVuSansMono.ttf',
    '/usr/share/fonts/truetype/liberation/LiberationMono-Regular.ttf',
    '/usr/share/fonts/liberation-mono/LiberationMono-Regular.ttf',
  ],
  darwin: ['/System/Library/Fonts/SFNSMono.ttf', '/System/Library/Fonts/Menlo.ttc', '/System/Library/Fonts/Monaco.ttf', '/Library/Fonts/DejaVuSansMono.ttf'],
};

const FALLBACKS: Partial<Record<NodeJS.Platform, string[]>> = {
  linux: [
    '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
    '/usr/share/fonts/TTF/DejaVuSans.ttf',
    '/usr/share/fonts/dejavu/DejaVuSans.ttf',
    '/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf',
    '/usr/share/fonts/noto/NotoColorEmoji.ttf',
    '/usr/share/fonts/google-noto-emoji/NotoColorEmoji.ttf',
    '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc',
    '/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc',
  ],
  darwin: ['/System/Library/Fonts/Apple Color Emoji.ttc', '/System/Library/Fonts/Apple Symbols.ttf', '/System/Library/Fonts/PingFang.ttc', '/System/Library/Fonts/Hiragino Sans GB.ttc'],
};

/** The bold face next to a regular one, by the usual file names (DejaVuSansMono-Bold.ttf, LiberationMono-Bold.ttf). */
export function boldSibling(regular: string): string[] {
  const m = /^(.*?)(-Regular)?(\.[ot]tf)$/i.exec(regular);
  return m ? [`${m[1]}-Bold${m[3]}`] : [];
}

/**
 * `configured` (screenshots.font_file) when set, else the first monospace face found for the platform.
 * Throws unavailable, saying what to install or set, when there is none.
 */
export function findFonts(configured: string | null | undefined, platform: NodeJS.Platform, exists: (path: string) => boolean): FontFiles {
  if (configured) {
    if (!exists(configured)) throw new CommandError('unavailable', `screenshots.font_file "${configured}" does not exist: point it to a monospace .ttf/.otf/.ttc file, or remove it to use the system's.`);
  }
  const regular = configured || (MONO[platform] ?? MONO.linux!).find(exists);
  if (!regular) {
    throw new CommandError(
      'unavailable',
      'No monospace font was found to draw pane images: install DejaVu Sans Mono (apt install fonts-dejavu-core, dnf install dejavu-sans-mono-fonts) or set screenshots.font_file to a monospace .ttf in the config.',
    );
  }
  const bold = regular.endsWith('.ttc') ? null : (boldSibling(regular).find(exists) ?? null);
  const fallbacks = (FALLBACKS[platform] ?? FALLBACKS.linux!).filter((p) => p !== regular && exists(p));
  return { regular, bold, fallbacks };
}
