// Password hashing (argon2id, PHC strings) and the password policy.
import argon2 from 'argon2';
import { invalid } from '../../core/errors.ts';

// OWASP's argon2id baseline (19 MiB, 2 passes): ~20 ms a hash, memory-hard against GPU guessing.
const OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const MIN_PASSWORD = 8;
export const MAX_PASSWORD = 200;

export function checkPassword(password: string, field = 'password'): void {
  if (typeof password !== 'string' || password.length < MIN_PASSWORD) {
    throw invalid('user.password_too_short', `${field} must be at least ${MIN_PASSWORD} characters`, field);
  }
  if (password.length > MAX_PASSWORD) throw invalid('user.password_too_long', `${field} must be at most ${MAX_PASSWORD} characters`, field);
}

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, OPTIONS);
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

// Unknown usernames are checked against this hash so they cost the same time as a wrong password.
let dummy: Promise<string> | undefined;
export function dummyHash(): Promise<string> {
  return (dummy ??= hashPassword('siyu-no-such-user-' + Math.random()));
}
