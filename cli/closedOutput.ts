/**
 * A reader that goes away (`tributary extract stripe | head`, a closed
 * terminal) is not a failure of the work. Node reports it as an EPIPE error on
 * the stream, which unhandled ends the command mid-run with a stack trace.
 * The command finishes its work instead (an extract or a refresh is not cut
 * short by it) and the rest of that stream's output is dropped.
 */
export function dropOutputOnceReaderLeaves(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    // After the first EPIPE the stream is destroyed, and later writes report that instead.
    if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') return;
    throw error;
  });
}
