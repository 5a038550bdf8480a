/**
 * The shape of a UTF-8 file's records, found in the pass that hashes it:
 * whether every record is a plain, well-formed row of the header's width, so
 * that DuckDB's own CSV reader can load the file (see nativeLoad.ts), and
 * which records hold line breaks inside quotes, so that their line numbers
 * can be told without parsing the file again.
 *
 * It is a yes/no check, not a parser: the first irregularity (a ragged row,
 * a quote in an unquoted cell, an unclosed quote, a blank line, a lone
 * carriage return, a byte-order mark where a record starts, a very long
 * record) sends the file to csv-parse, which reads it row by row and names
 * the line of anything that is wrong.
 */
export interface RecordShape {
  /** Why the file is not read natively, or null when every record is regular. */
  readonly irregular: string | null;
  /** Data records (the header excluded). */
  readonly records: number;
  /** Records with line breaks inside quoted cells: [1-based record number, line breaks], in file order. */
  readonly multilineRecords: readonly (readonly [number, number])[];
  /**
   * Columns with a cell that may begin or end with whitespace JavaScript's
   * trim() removes. Cells of the other columns need no trimming, which saves
   * DuckDB most of its work on an ordinary export.
   */
  readonly columnsToTrim: readonly number[];
}

/** Longer records go to csv-parse: DuckDB's reader would need buffers that break the import's memory budget. */
export const nativeMaxRecordBytes = 1024 * 1024;

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const BOM_FIRST_BYTE = 0xef;

/**
 * Whether a cell whose first byte is `byte` may begin with whitespace:
 * ASCII space and controls, or the lead byte of a Unicode space (U+00A0 is
 * C2 A0; U+1680, U+2000-U+205F, U+3000 and U+FEFF lead with E1, E2, E3, EF).
 * Erring towards yes only costs a trim.
 */
function mayStartWithSpace(byte: number): boolean {
  return byte <= 0x20 || byte === 0xc2 || byte === 0xe1 || byte === 0xe2 || byte === 0xe3 || byte === 0xef;
}

/** Whether a cell whose last byte is `byte` may end with whitespace: the last bytes of the same characters. */
function mayEndWithSpace(byte: number): boolean {
  return byte <= 0x20 || (byte >= 0x80 && byte <= 0x8a) || byte === 0x9f || byte === 0xa0 || byte === 0xa8 || byte === 0xa9 || byte === 0xaf || byte === 0xbf;
}

const enum State {
  FieldStart,
  Unquoted,
  Quoted,
  /** A quote inside a quoted cell: the cell's end, or the first half of `""`. */
  QuoteInQuoted,
  /** A carriage return outside quotes, which must be followed by a line feed. */
  AfterCr,
}

export class RecordShapeScanner {
  private state = State.FieldStart;
  private fields = 1;
  private records = 0;
  private recordStart = 0;
  private recordLineBreaks = 0;
  private offset = 0;
  private irregular: string | null = null;
  private readonly multilineRecords: [number, number][] = [];
  /** 1 for each column with a cell that may begin or end with whitespace. */
  private readonly untrimmed: Uint8Array;
  /** The current cell's last byte so far, -1 before its first. */
  private lastByte = -1;
  /** The current quoted cell has no byte yet. */
  private cellStart = false;

  /**
   * @param delimiter the file's delimiter (one byte: `,`, `;` or tab)
   * @param columns the header's width
   * @param firstLine the line the first data record starts on (for messages)
   */
  constructor(
    private readonly delimiter: number,
    private readonly columns: number,
    private readonly firstLine: number,
  ) {
    this.untrimmed = new Uint8Array(columns);
    // With one column, an empty cell and a blank line are the same text, which the two readers treat differently.
    if (columns < 2) this.irregular = 'the file has a single column';
  }

  /** The next bytes of the data records, in order. */
  push(chunk: Uint8Array): void {
    if (this.irregular !== null) return;
    const delimiter = this.delimiter;
    const length = chunk.length;
    let state = this.state;
    let i = 0;
    while (i < length) {
      switch (state) {
        case State.FieldStart: {
          const byte = chunk[i]!;
          this.lastByte = -1;
          if (byte === QUOTE) {
            state = State.Quoted;
            this.cellStart = true;
            i++;
          } else if (this.fields === 1 && (byte === LF || byte === CR)) {
            // csv-parse reads a blank line as a row of one empty cell; DuckDB skips it.
            return this.fail(state, 'a blank line');
          } else if (byte === BOM_FIRST_BYTE && this.fields === 1) {
            // Two exports joined into one: csv-parse's path strips the mark and reports it.
            return this.fail(state, 'a byte-order mark where a record starts');
          } else {
            if (byte !== delimiter && byte !== LF && byte !== CR && mayStartWithSpace(byte)) this.untrimmed[this.fields - 1] = 1;
            state = State.Unquoted;
          }
          break;
        }
        case State.Unquoted: {
          const from = i;
          let byte = chunk[i]!;
          while (byte !== delimiter && byte !== LF && byte !== CR && byte !== QUOTE) {
            if (++i === length) break;
            byte = chunk[i]!;
          }
          if (i > from) this.lastByte = chunk[i - 1]!;
          if (i === length) break;
          if (byte === QUOTE) return this.fail(state, 'a quote inside an unquoted cell');
          this.endCell();
          i++;
          if (byte === delimiter) {
            this.fields++;
            state = State.FieldStart;
          } else if (byte === CR) {
            state = State.AfterCr;
          } else if (!this.endRecord(i)) return this.fail(state, this.irregular!);
          else state = State.FieldStart;
          break;
        }
        case State.Quoted: {
          if (this.cellStart) {
            this.cellStart = false;
            if (mayStartWithSpace(chunk[i]!)) this.untrimmed[this.fields - 1] = 1;
          }
          // Cells are short: a byte loop beats a native search per cell.
          const from = i;
          let byte = chunk[i]!;
          while (byte !== QUOTE) {
            if (byte === LF) this.recordLineBreaks++;
            if (++i === length) break;
            byte = chunk[i]!;
          }
          if (i > from) this.lastByte = chunk[i - 1]!;
          if (i < length) {
            state = State.QuoteInQuoted;
            i++;
          }
          break;
        }
        case State.QuoteInQuoted: {
          const byte = chunk[i++]!;
          if (byte === QUOTE) {
            this.lastByte = QUOTE;
            state = State.Quoted;
            break;
          }
          this.endCell();
          if (byte === delimiter) {
            this.fields++;
            state = State.FieldStart;
          } else if (byte === CR) state = State.AfterCr;
          else if (byte === LF) {
            if (!this.endRecord(i)) return this.fail(state, this.irregular!);
            state = State.FieldStart;
          } else return this.fail(state, 'text after a closing quote');
          break;
        }
        case State.AfterCr: {
          if (chunk[i++] !== LF) return this.fail(state, 'a carriage return without a line feed');
          if (!this.endRecord(i)) return this.fail(state, this.irregular!);
          state = State.FieldStart;
          break;
        }
      }
    }
    this.state = state;
    this.offset += length;
  }

  /** Call once after the last chunk. */
  finish(): RecordShape {
    if (this.irregular === null) {
      const atRecordStart = this.state === State.FieldStart && this.fields === 1 && this.offset === this.recordStart;
      if (this.state === State.Quoted) this.irregular = `a quote opened in record ${this.records + 1} is never closed`;
      else if (this.state === State.AfterCr) this.irregular = 'the file ends in a carriage return';
      else if (!atRecordStart) {
        this.endCell();
        this.endRecord(0);
      }
    }
    const columnsToTrim = [...this.untrimmed.keys()].filter((column) => this.untrimmed[column] === 1);
    return { irregular: this.irregular, records: this.records, multilineRecords: this.multilineRecords, columnsToTrim };
  }

  private endCell(): void {
    if (this.lastByte >= 0 && mayEndWithSpace(this.lastByte)) this.untrimmed[this.fields - 1] = 1;
    this.lastByte = -1;
  }

  /** Ends the current record at `end` (an index into the current chunk, or an absolute offset at the end). */
  private endRecord(endInChunk: number): boolean {
    const end = this.offset + endInChunk;
    const record = this.records + 1;
    if (this.fields !== this.columns) {
      this.irregular = `record ${record} has ${this.fields} fields where the header has ${this.columns}`;
      return false;
    }
    if (end - this.recordStart > nativeMaxRecordBytes) {
      this.irregular = `record ${record} is longer than ${nativeMaxRecordBytes} bytes`;
      return false;
    }
    if (this.recordLineBreaks > 0) this.multilineRecords.push([record, this.recordLineBreaks]);
    this.records = record;
    this.recordStart = end;
    this.recordLineBreaks = 0;
    this.fields = 1;
    return true;
  }

  private fail(state: State, reason: string): void {
    this.state = state;
    this.irregular = `${reason} (near line ${this.firstLine + this.records + this.lineBreaksBefore()})`;
  }

  private lineBreaksBefore(): number {
    let total = 0;
    for (const [, breaks] of this.multilineRecords) total += breaks;
    return total;
  }
}
