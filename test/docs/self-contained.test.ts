/**
 * Pixie's shipped text stands on its own: no citation of documents outside the repository, and
 * every relative link in the README and docs/ leads to a file (and heading) that exists.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SHIPPED = ['README.md', 'docs', 'examples', 'src', 'packages/verify/src', 'packages/verify/README.md', 'bin', 'scripts'];
const TEXT = /\.(md|ts|mts|js|mjs|cjs|json|html|css|txt|ya?ml|sh|sql)$/;
const SKIP_DIRS = new Set(['node_modules', 'dist', '.git']);
const FORBIDDEN: readonly RegExp[] = [/\bSPEC\b/, /seeds\//i, /seed 00/i, /\bissue \d/i];

function walk(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return TEXT.test(path) ? [path] : [];
  return readdirSync(path).filter((name) => !SKIP_DIRS.has(name)).flatMap((name) => walk(join(path, name)));
}

function shippedFiles(): string[] {
  return SHIPPED.flatMap((entry) => walk(join(ROOT, entry)));
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading.trim().toLowerCase().replace(/`/g, '').replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
}

function anchors(markdown: string): Set<string> {
  const found = new Set<string>();
  let inFence = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) inFence = !inFence;
    const heading = !inFence && /^#{1,6}\s+(.+?)\s*#*$/.exec(line);
    if (heading) found.add(slug(heading[1] ?? ''));
  }
  return found;
}

function relativeLinks(markdown: string): string[] {
  const withoutCode = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...withoutCode.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)]
    .map((match) => match[1] ?? '')
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

describe('shipped text is self-contained', () => {
  it('cites no outside documents (SPEC, seeds)', () => {
    const files = shippedFiles();
    assert.ok(files.length > 50, `only ${files.length} files found under ${ROOT}`);
    const offenders: string[] = [];
    for (const file of files) {
      readFileSync(file, 'utf8').split('\n').forEach((line, index) => {
        if (FORBIDDEN.some((pattern) => pattern.test(line))) {
          offenders.push(`${relative(ROOT, file)}:${index + 1}: ${line.trim()}`);
        }
      });
    }
    assert.deepEqual(offenders, [], `citations of outside documents:\n${offenders.join('\n')}`);
  });

  it('every relative link in README.md and docs/*.md leads to an existing file and heading', () => {
    const pages = [join(ROOT, 'README.md'), ...walk(join(ROOT, 'docs')).filter((file) => file.endsWith('.md'))];
    const broken: string[] = [];
    for (const page of pages) {
      const text = readFileSync(page, 'utf8');
      for (const link of relativeLinks(text)) {
        const [pathPart = '', fragment] = link.split('#');
        const target = pathPart === '' ? page : resolve(dirname(page), decodeURIComponent(pathPart));
        if (!existsSync(target)) {
          broken.push(`${relative(ROOT, page)}: ${link} (no such file)`);
        } else if (fragment && target.endsWith('.md') && !anchors(readFileSync(target, 'utf8')).has(fragment)) {
          broken.push(`${relative(ROOT, page)}: ${link} (no such heading)`);
        }
      }
    }
    assert.deepEqual(broken, [], `broken links:\n${broken.join('\n')}`);
  });
});
