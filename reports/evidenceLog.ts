/**
 * Evidence prints pages of progress, warnings and stack traces; a user gets
 * one sentence. This picks the line that names what went wrong (and the file
 * Vite blames, when it names one) from a step's output.
 */
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;
const NOISE = [/^Build failed$/i, /^error during build:?$/i, /^Build process exited/i, /^x Build failed in/i, /^at\s/, /^Node\.js v/, /^\(Use `node --trace/, /^throw /, /^\^+$/, /^file:\/\/\/.*cli\.js:\d+$/];
// What Evidence prints when it gives up: the last of these is the cause.
const FATAL = [/^\[ ?! ?\]/, /^Error:/, /^\[vite-plugin-svelte\]/, /^\[vite\]/, /^error:/i];
// Lines that say what went wrong, before lines that only say that something did (a spinner's ✖).
const STRONG = [/\[ ?! ?\]/, /\berror\b/i, /is not defined/, /cannot find/i, /\bENOENT\b/];
const WEAK = [/✖/, /\bfailed\b/i];

export function summarizeEvidenceLog(output: string, step: 'sources' | 'site', exitCode: number): string | null {
  const lines = output
    .replace(ANSI, '')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !NOISE.some((noise) => noise.test(line)));
  const matches = (markers: RegExp[]) => (line: string): boolean => markers.some((marker) => marker.test(line)) && !/^\d+ (warnings?|errors?)$/.test(line);
  const fatal = lines.findLastIndex(matches(FATAL));
  const strong = lines.findIndex(matches(STRONG));
  const index = fatal >= 0 ? fatal : strong >= 0 ? strong : lines.findIndex(matches(WEAK));
  if (index < 0) return exitCode === 0 ? null : `Evidence exited with code ${exitCode} (${step} step) without naming an error`;
  if (exitCode === 0 && step === 'site') return null;
  let summary = lines[index]!.replace(/^\[ ?! ?\]\s*/, '').replace(/^✖\s*/, '');
  const file = lines.slice(index + 1, index + 4).find((line) => line.startsWith('file:'));
  if (file) summary += ` (${file})`;
  return summary.length > 400 ? `${summary.slice(0, 397)}...` : summary.replace(/[.;:]+$/, '');
}
