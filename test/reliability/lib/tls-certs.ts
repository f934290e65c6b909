import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runOk } from '../../helpers/proc.ts';

/** A CA, a server certificate it signed for localhost and 127.0.0.1, and an unrelated CA, made with openssl in dir. */
export async function makeCerts(dir: string): Promise<{ ca: string; wrongCa: string; cert: string; key: string }> {
  const f = (n: string): string => join(dir, n);
  const ca = (name: string) =>
    runOk('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f(`${name}.key`), '-out', f(`${name}.crt`), '-days', '2',
      '-subj', `/CN=tollgate reliability ${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  await ca('ca');
  await ca('wrong-ca');
  await runOk('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=localhost']);
  await writeFile(f('ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n');
  await runOk('openssl', ['x509', '-req', '-in', f('server.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('server.crt'), '-days', '2', '-extfile', f('ext.cnf')]);
  await chmod(f('server.key'), 0o600);
  return { ca: f('ca.crt'), wrongCa: f('wrong-ca.crt'), cert: f('server.crt'), key: f('server.key') };
}
