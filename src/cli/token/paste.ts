/** `--paste`: the server shows a login_success page and the user pastes its URL (or the code). */
import { createInterface } from 'node:readline';
import { FlowError } from './errors.js';

export interface Paste {
  line: Promise<string>;
  close(): void;
}

/** Reads the paste from `input` (standard input, or a test's stream), prompting on `err`. */
export function readPasted(
  prompt: string, input: NodeJS.ReadableStream = process.stdin, err: (text: string) => void = (t) => process.stderr.write(t),
): Paste {
  err(prompt);
  const rl = createInterface({ input, terminal: false });
  const line = new Promise<string>((resolve, reject) => {
    rl.on('line', (text) => {
      if (text.trim()) resolve(text);
    });
    rl.on('close', () => reject(new FlowError('nothing was pasted (standard input ended)')));
  });
  return {
    line,
    close() {
      rl.close();
      (input as NodeJS.ReadableStream & { destroy(): void }).destroy();
    },
  };
}
