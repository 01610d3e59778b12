import { generateToken, hashToken } from '../auth/tokens.ts';

/**
 * Hashes a bearer token for the tokens file, which stores hashes only.
 *
 *   tsx src/cli/hash-token.ts <token>           prints the sha256 of <token>
 *   echo -n <token> | tsx src/cli/hash-token.ts  reads the token from stdin (keeps it out of shell history)
 *   tsx src/cli/hash-token.ts --generate [name] [unit]
 *                                               makes a new token; prints it once, and its tokens-file entry
 */
const args = process.argv.slice(2);

if (args[0] === '--generate') {
  const token = generateToken();
  const [name = 'new-token', unit] = args.slice(1);
  const entry = { name, sha256: hashToken(token), scopes: ['read'], ...(unit ? { unit } : {}) };
  process.stderr.write('The token (shown once; give it to its holder):\n');
  process.stdout.write(`${token}\n`);
  process.stderr.write('Its entry for the tokens file (adjust scopes):\n');
  process.stdout.write(`${JSON.stringify(entry)}\n`);
} else if (args[0] !== undefined) {
  process.stdout.write(`${hashToken(args[0])}\n`);
} else {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const token = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (token === '') {
    process.stderr.write(
      'usage: hash-token <token> | hash-token --generate [name] [unit] | echo -n <token> | hash-token\n',
    );
    process.exit(2);
  }
  process.stdout.write(`${hashToken(token)}\n`);
}
