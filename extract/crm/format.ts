import { isUtf8 } from 'node:buffer';
import { open } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { WorkError } from '../../errors/index.js';

/**
 * What a file is, decided from its first bytes before anything is imported:
 * encoding, delimiter, line endings and the header row. Anything that is not
 * a readable table fails here, naming the file and line.
 */
export interface FileFormat {
  readonly encoding: string;
  /** Byte offset where the first record after the header begins (UTF-8 only; decoded encodings re-read from 0). */
  readonly dataOffset: number;
  /** The line the first record after the header starts on. */
  readonly dataLine: number;
  readonly delimiter: ',' | ';' | '\t';
  /** `\n` for LF and CRLF files (a quoted cell may hold either), `\r` for old Mac files. */
  readonly lineBreak: '\n' | '\r';
  readonly headers: string[];
  readonly size: number;
}

const sampleBytes = 256 * 1024;
const maxHeaderBytes = 1024 * 1024;

const magicNumbers: readonly { bytes: number[]; what: string }[] = [
  { bytes: [0x50, 0x4b, 0x03, 0x04], what: 'a ZIP archive (an .xlsx workbook?): save it from the spreadsheet as CSV' },
  { bytes: [0xd0, 0xcf, 0x11, 0xe0], what: 'an Excel 97-2003 workbook (.xls): save it as CSV' },
  { bytes: [0x25, 0x50, 0x44, 0x46], what: 'a PDF document, not a CSV export' },
  { bytes: [0x1f, 0x8b], what: 'a gzip archive: decompress it first' },
  { bytes: [0x89, 0x50, 0x4e, 0x47], what: 'a PNG image, not a CSV export' },
  { bytes: [0xff, 0xd8, 0xff], what: 'a JPEG image, not a CSV export' },
];

export async function sniffFormat(path: string, label: string, forcedEncoding?: string): Promise<FileFormat> {
  const handle = await openFile(path, label);
  try {
    const { size } = await handle.stat();
    if (size === 0) throw new WorkError(`${label} line 1: the file is empty (0 bytes); export the records again.`);
    const head = Buffer.alloc(Math.min(size, maxHeaderBytes));
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const bytes = head.subarray(0, bytesRead);
    const encoding = forcedEncoding ?? detectEncoding(bytes, label);
    const text = decodeSample(bytes, encoding, label, bytesRead === size);
    const headerEnd = endOfFirstRecord(text);
    if (headerEnd === null) {
      if (bytesRead < size) throw new WorkError(`${label} line 1: the header row is longer than 1 MB or opens a quote it never closes; this is not a CSV export we can read.`);
      throw new WorkError(`${label} line 1: the header row opens a quote it never closes.`);
    }
    const headerText = text.slice(0, headerEnd.end);
    if (headerText.replace(/^\uFEFF/, '').trim() === '') {
      throw new WorkError(`${label} line 1: ${text.trim() === '' ? 'the file holds only blank lines' : 'the first line is blank; the header row must come first'}.`);
    }
    const delimiter = detectDelimiter(headerText);
    const headers = parseHeader(headerText, delimiter, label);
    checkSampleDelimiter(text.slice(headerEnd.next, sampleBytes), delimiter, headers.length, headerEnd.lines + 1, label);
    const lineBreak = headerEnd.lineBreak;
    const bomLength = encoding === 'utf-8' && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
    const dataOffset = encoding === 'utf-8' ? bomLength + Buffer.byteLength(text.slice(bomLength ? 1 : 0, headerEnd.next)) : 0;
    return { encoding, dataOffset, dataLine: headerEnd.lines + 1, delimiter, lineBreak, headers, size };
  } finally {
    await handle.close();
  }
}

async function openFile(path: string, label: string) {
  try {
    return await open(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    throw new WorkError(`${label}: cannot read the file (${why}).`, { cause: error });
  }
}

/** BOMs first; without one, UTF-16 shows as every other byte being zero. NUL bytes in anything else mean binary. */
function detectEncoding(bytes: Buffer, label: string): string {
  for (const magic of magicNumbers) {
    if (magic.bytes.every((byte, i) => bytes[i] === byte)) throw new WorkError(`${label} line 1: the file is ${magic.what}.`);
  }
  if (bytes[0] === 0xff && bytes[1] === 0xfe && bytes[2] === 0 && bytes[3] === 0) throw new WorkError(`${label} line 1: the file is UTF-32, which we do not read; save it as UTF-8.`);
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
  const probe = bytes.subarray(0, 4096);
  let evenZeros = 0;
  let oddZeros = 0;
  for (let i = 0; i < probe.length; i++) if (probe[i] === 0) i % 2 === 0 ? evenZeros++ : oddZeros++;
  const half = probe.length / 2;
  if (oddZeros > half * 0.4 && evenZeros < half * 0.05) return 'utf-16le';
  if (evenZeros > half * 0.4 && oddZeros < half * 0.05) return 'utf-16be';
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    const line = lineOfOffset(bytes, nul);
    throw new WorkError(`${label} line ${line}: the file holds NUL bytes (byte ${nul + 1}); it is binary or damaged, not a CSV export.`);
  }
  return 'utf-8';
}

function decodeSample(bytes: Buffer, encoding: string, label: string, whole: boolean): string {
  if (encoding === 'utf-8') {
    // A multi-byte character may straddle the end of the sample.
    const complete = whole ? bytes : bytes.subarray(0, bytes.length - incompleteUtf8Tail(bytes));
    if (!isUtf8(complete)) {
      const offset = firstInvalidUtf8(complete);
      throw new WorkError(notUtf8Message(label, lineOfOffset(bytes, offset), complete[offset]!));
    }
    return complete.toString('utf8');
  }
  try {
    return new TextDecoder(encoding, { fatal: true }).decode(bytes, { stream: !whole });
  } catch (error) {
    if (error instanceof RangeError) throw new WorkError(`${label}: unknown encoding '${encoding}' (try utf-8, utf-16le, utf-16be or windows-1252).`);
    throw new WorkError(`${label} line 1: the file is not valid ${encoding.toUpperCase()}; save it again as UTF-8.`, { cause: error });
  }
}

export function notUtf8Message(label: string, line: number, byte: number): string {
  return `${label} line ${line}: byte 0x${byte.toString(16).toUpperCase().padStart(2, '0')} is not UTF-8, so the file uses another encoding; save it as UTF-8 (or pass --encoding windows-1252 if that is what it is).`;
}

interface FirstRecordEnd {
  /** Index just past the header's last character, before its line break. */
  end: number;
  /** Index where the next record starts. */
  next: number;
  /** Physical lines the header spans. */
  lines: number;
  lineBreak: '\n' | '\r';
}

/** Where the first record ends: the first line break outside quotes. */
function endOfFirstRecord(text: string): FirstRecordEnd | null {
  let quoted = false;
  let lines = 1;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (char === 0x22) quoted = !quoted;
    else if (char === 0x0a || char === 0x0d) {
      if (quoted) {
        if (char === 0x0a) lines++;
        continue;
      }
      if (char === 0x0d && text.charCodeAt(i + 1) === 0x0a) return { end: i, next: i + 2, lines, lineBreak: '\n' };
      return { end: i, next: i + 1, lines, lineBreak: char === 0x0d ? '\r' : '\n' };
    }
  }
  return quoted ? null : { end: text.length, next: text.length, lines, lineBreak: '\n' };
}

/** The candidate that splits the header into the most fields, comma on a tie. */
function detectDelimiter(header: string): ',' | ';' | '\t' {
  const counts = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (const char of header) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && (char === ',' || char === ';' || char === '\t')) counts[char]++;
  }
  if (counts['\t'] > counts[','] && counts['\t'] >= counts[';']) return '\t';
  if (counts[';'] > counts[',']) return ';';
  return ',';
}

function parseHeader(header: string, delimiter: string, label: string): string[] {
  try {
    const [record] = parse(header, { delimiter, bom: true, relax_column_count: true }) as string[][];
    return (record ?? []).map((cell) => cell.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new WorkError(`${label} line 1: the header row cannot be read (${(error as Error).message.replace(/\s+at line \d+.*/, '')}).`, { cause: error });
  }
}

/**
 * A header split by one delimiter over rows split by another (a spreadsheet
 * that re-saved only part of a file) would import every row as one cell.
 */
function checkSampleDelimiter(sample: string, delimiter: string, headerFields: number, firstLine: number, label: string): void {
  if (headerFields < 2) return;
  const lines = sample.split(/\r?\n|\r/).slice(0, 20);
  if (lines.length > 1 || !/\r?\n|\r/.test(sample)) lines.pop(); // the last line may be cut short
  lines.forEach((line, i) => {
    if (line.trim() === '' || line.includes('"')) return;
    if (!line.includes(delimiter)) {
      const other = [',', ';', '\t'].find((candidate) => candidate !== delimiter && line.split(candidate).length === headerFields);
      if (other) {
        throw new WorkError(
          `${label} line ${firstLine + i}: mixed delimiters: the header is separated by ${describeDelimiter(delimiter)} but this line by ${describeDelimiter(other)}; save the whole file again with one delimiter.`,
        );
      }
    }
  });
}

export function describeDelimiter(delimiter: string): string {
  return delimiter === '\t' ? 'tabs' : delimiter === ';' ? 'semicolons' : 'commas';
}

/** Bytes at the end of buf that start a UTF-8 sequence the buffer does not finish. */
export function incompleteUtf8Tail(buf: Uint8Array): number {
  for (let back = 1; back <= Math.min(3, buf.length); back++) {
    const byte = buf[buf.length - back]!;
    if ((byte & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return length > back ? back : 0;
  }
  return 0;
}

/** Offset of the first byte that breaks UTF-8 (the buffer is known to be invalid). */
export function firstInvalidUtf8(buf: Uint8Array): number {
  let i = 0;
  while (i < buf.length) {
    const byte = buf[i]!;
    const length = byte < 0x80 ? 1 : byte >= 0xc2 && byte < 0xe0 ? 2 : byte >= 0xe0 && byte < 0xf0 ? 3 : byte >= 0xf0 && byte < 0xf5 ? 4 : 0;
    if (length === 0 || !isUtf8(buf.subarray(i, i + length)) || i + length > buf.length) return i;
    i += length;
  }
  return buf.length;
}

export function lineOfOffset(buf: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (buf[i] === 0x0a) line++;
  return line;
}
