#!/usr/bin/env -S node --max-semi-space-size=1
// The CLI is TypeScript run through tsx, so there is no build step between a
// clone and a working command.
//
// A 1 MB young generation (V8's default is 16 MB per semi-space): an extract
// makes garbage at the pace pages arrive, and a young generation that big
// was ~30 MB of its peak RSS with no speed to show for it (bench:extract,
// bench:demo). `npm start` and `npm run bench:extract` run node with the
// same flag.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
