/**
 * A QR code in the terminal, two modules per character cell with Unicode half blocks (▀ ▄ █).
 * Light modules are drawn, dark ones left blank: on the usual light-on-dark terminal the code
 * then reads dark on light, as phone cameras expect, quiet zone included.
 */
import { encode } from 'uqr';

export function renderQr(text: string): string {
  const { data } = encode(text, { ecc: 'L', border: 2 });
  const light = (y: number, x: number) => y < data.length && !data[y][x];
  const lines: string[] = [];
  for (let y = 0; y < data.length; y += 2) {
    let line = '';
    for (let x = 0; x < data[y].length; x++) {
      const top = light(y, x);
      const bottom = light(y + 1, x);
      line += top && bottom ? '█' : top ? '▀' : bottom ? '▄' : ' ';
    }
    lines.push(line);
  }
  return `${lines.join('\n')}\n`;
}
