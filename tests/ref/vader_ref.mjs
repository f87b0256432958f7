// vader_ref.mjs — VADER compound scores from the npm package vader-sentiment
// itself, the reference that weir's C port (src/core/vader.c) must match.
//
//   node tests/ref/vader_ref.mjs [--json] [FILE|-]
//
// Reads one text per line (plain text; with --json, each line is a JSON
// string, so texts may hold any character) and prints one compound score per
// line, as the package returns it (rounded to 4 decimals). Used by
// tests/unit/test_vader.c (corpus tests/data/vader_corpus.txt) and by
// tests/ref/posts_ref.py (the sentiment of every post).
import fs from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const vader = require('vader-sentiment');

const args = process.argv.slice(2);
const json = args[0] === '--json';
if (json) args.shift();
const file = args[0] && args[0] !== '-' ? args[0] : 0; // 0 = stdin
let text = fs.readFileSync(file, 'utf8');
if (text.endsWith('\n')) text = text.slice(0, -1);
const out = [];
if (text.length > 0 || json) {
	for (const line of text.split('\n')) {
		if (json && line === '') continue;
		const t = json ? JSON.parse(line) : line;
		out.push(String(vader.SentimentIntensityAnalyzer.polarity_scores(t).compound));
	}
}
process.stdout.write(out.length ? out.join('\n') + '\n' : '');
