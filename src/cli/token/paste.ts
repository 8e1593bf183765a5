/** `--paste`: the server shows a login_success page and the user pastes its URL (or the code). */
import { createInterface } from 'node:readline';
import { FlowError } from './errors.js';

export interface Paste {
  line: Promise<string>;
  close(): void;
}

export function readPasted(prompt: string): Paste {
  process.stderr.write(prompt);
  const rl = createInterface({ input: process.stdin, terminal: false });
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
      process.stdin.destroy();
    },
  };
}
