/** An HTTP Basic authorization header; the demo and test users' passwords equal their names by default. */
export function basic(user: string, password = user): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}
