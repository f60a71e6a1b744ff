/**
 * Throw-away certificates for serving over TLS: a CA made at start and leaf certificates it signs
 * for a host name or an IP address (in the subjectAltName), plus the deliberately bad ones the tls.*
 * cases present (a leaf from a CA nobody was told to trust, a leaf for another host name, an expired
 * leaf, a self-signed leaf).
 *
 * X.509 is built with node-forge, not with hand-made ASN.1: the DER encoding of names, validity
 * times, extensions and signatures is exactly where hand-made certificates go subtly wrong (and then
 * every TLS stack refuses them for a reason that has nothing to do with the case). node-forge is
 * long maintained, widely used for this very job, has no dependencies and, unlike the WebCrypto-based
 * X.509 libraries, needs no global polyfill (a library must not patch `Reflect` for its users).
 * The RSA keys come from node:crypto (native, fast); forge only encodes and signs the certificates.
 *
 * Nothing here writes a file. A CA's private key stays inside the closure of the CA object: it is
 * never exported, so it never leaves this process's memory. A leaf's key is handed out as PEM only
 * because node:tls needs it to serve; callers keep it in memory too.
 */
import { generateKeyPairSync, randomBytes, X509Certificate as NodeX509 } from 'node:crypto';
import { isIP } from 'node:net';
import forge from 'node-forge';

const DAY = 24 * 3600 * 1000;

/** A certificate and its key, PEM-encoded, ready for tls.createSecureContext. */
export interface KeyPairPem {
  cert: string;
  key: string;
  /** The certificate's subject, as a one-line distinguished name ("CN=localhost, O=…"). */
  subject: string;
}

/** A certificate authority kept in memory: its certificate can be handed out, its key cannot. */
export interface CertificateAuthority {
  /** The CA certificate (PEM): what a client is told to trust. */
  cert: string;
  subject: string;
  /** Signs a leaf for these host names / IP addresses (see LeafOptions). */
  issue(hosts: readonly string[], o?: LeafOptions): KeyPairPem;
}

export interface LeafOptions {
  /** Validity, by default from a day ago to 30 days ahead. */
  notBefore?: Date;
  notAfter?: Date;
}

interface ForgeKeys {
  privateKey: forge.pki.rsa.PrivateKey;
  publicKey: forge.pki.rsa.PublicKey;
  privatePem: string;
}

function newKeys(): ForgeKeys {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  return { privateKey: forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey, publicKey: forge.pki.publicKeyFromPem(publicKey) as forge.pki.rsa.PublicKey, privatePem: privateKey };
}

let leafKeys: ForgeKeys | null = null;

/**
 * The key of every leaf this process signs. RSA key generation takes about half a second here, and
 * the cases need six certificates at start; a leaf's key is not what any case is about (each
 * certificate still has its own serial number, subject, issuer and signature).
 */
function sharedLeafKeys(): ForgeKeys {
  return (leafKeys ??= newKeys());
}

function serial(): string {
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f; // a positive INTEGER
  return b.toString('hex');
}

function names(commonName: string): forge.pki.CertificateField[] {
  return [
    { name: 'commonName', value: commonName },
    { name: 'organizationName', value: 'wsconform test certificates' },
  ];
}

function altNames(hosts: readonly string[]): Array<{ type: number; value?: string; ip?: string }> {
  // GeneralName tags: 2 dNSName, 7 iPAddress.
  return hosts.map((h) => (isIP(h) ? { type: 7, ip: h } : { type: 2, value: h }));
}

function leafExtensions(hosts: readonly string[]): unknown[] {
  return [
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: altNames(hosts) },
    { name: 'subjectKeyIdentifier' },
  ];
}

function certificate(o: { publicKey: forge.pki.rsa.PublicKey; subject: string; issuer: forge.pki.CertificateField[]; notBefore: Date; notAfter: Date; extensions: unknown[] }): forge.pki.Certificate {
  const c = forge.pki.createCertificate();
  c.publicKey = o.publicKey;
  c.serialNumber = serial();
  c.validity.notBefore = o.notBefore;
  c.validity.notAfter = o.notAfter;
  c.setSubject(names(o.subject));
  c.setIssuer(o.issuer);
  c.setExtensions(o.extensions);
  return c;
}

function pem(c: forge.pki.Certificate): string {
  return forge.pki.certificateToPem(c).replace(/\r\n/g, '\n');
}

/** The subject of a PEM certificate as one line ("CN=…, O=…"), or null when it does not parse. */
export function certificateSubject(cert: string | Buffer): string | null {
  try {
    return new NodeX509(cert).subject.split('\n').join(', ');
  } catch {
    return null;
  }
}

/** What the reports say of a PEM certificate (TlsTransport.certificate), or null when it does not parse. */
export function certificateInfo(cert: string | Buffer): { subject: string; issuer: string; validFrom: string; validTo: string; fingerprint256: string } | null {
  try {
    const x = new NodeX509(cert);
    const line = (dn: string): string => dn.split('\n').join(', ');
    return { subject: line(x.subject), issuer: line(x.issuer), validFrom: new Date(x.validFrom).toISOString(), validTo: new Date(x.validTo).toISOString(), fingerprint256: x.fingerprint256 };
  } catch {
    return null;
  }
}

function pair(c: forge.pki.Certificate, privatePem: string): KeyPairPem {
  const cert = pem(c);
  return { cert, key: privatePem, subject: certificateSubject(cert) ?? '' };
}

/** A new CA, valid from a day ago for 30 days; `name` is its common name. */
export function createCertificateAuthority(name = 'wsconform throw-away CA'): CertificateAuthority {
  return authority(name, newKeys());
}

function authority(name: string, keys: ForgeKeys): CertificateAuthority {
  const now = Date.now();
  const caCert = certificate({
    publicKey: keys.publicKey,
    subject: name,
    issuer: names(name),
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 30 * DAY),
    extensions: [
      { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
      { name: 'subjectKeyIdentifier' },
    ],
  });
  caCert.sign(keys.privateKey, forge.md.sha256.create());
  const caPem = pem(caCert);
  const caKeyId = caCert.generateSubjectKeyIdentifier().getBytes();
  // keys.privateKey is used below and nowhere else: this closure is the only place it lives.
  return {
    cert: caPem,
    subject: certificateSubject(caPem) ?? name,
    issue(hosts, o = {}) {
      if (hosts.length === 0) throw new TypeError('a leaf certificate needs at least one host name or address');
      const leafKeys = sharedLeafKeys();
      const t = Date.now();
      const c = certificate({
        publicKey: leafKeys.publicKey,
        subject: hosts[0]!,
        issuer: caCert.subject.attributes,
        notBefore: o.notBefore ?? new Date(t - DAY),
        notAfter: o.notAfter ?? new Date(t + 30 * DAY),
        extensions: [...leafExtensions(hosts), { name: 'authorityKeyIdentifier', keyIdentifier: caKeyId }],
      });
      c.sign(keys.privateKey, forge.md.sha256.create());
      return pair(c, leafKeys.privatePem);
    },
  };
}

/** A leaf that signs itself (no CA), for these hosts, valid now. */
export function selfSignedLeaf(hosts: readonly string[]): KeyPairPem {
  const keys = sharedLeafKeys();
  const t = Date.now();
  const subject = hosts[0] ?? 'localhost';
  const c = certificate({ publicKey: keys.publicKey, subject, issuer: names(subject), notBefore: new Date(t - DAY), notAfter: new Date(t + 30 * DAY), extensions: leafExtensions(hosts) });
  c.sign(keys.privateKey, forge.md.sha256.create());
  return pair(c, keys.privatePem);
}

/** The certificates the tls.* cases present, named by the fault each one has. */
export type PresentedCertificate = 'trusted' | 'untrusted-ca' | 'wrong-host' | 'expired' | 'self-signed';

/** A host name no certificate of a run is ever for (RFC 6761 reserves .invalid). */
export const WRONG_HOST = 'wrong-host.wsconform.invalid';

/**
 * The certificate of kind `kind` for a server at `hosts`: signed by `ca` (the one the client trusts)
 * unless the kind says otherwise. An untrusted CA is made on the spot and forgotten.
 */
export function presentedCertificate(kind: PresentedCertificate, ca: CertificateAuthority, hosts: readonly string[]): KeyPairPem {
  switch (kind) {
    case 'trusted':
      return ca.issue(hosts);
    case 'untrusted-ca':
      // Its key is the leaves' one: nobody trusts this CA, so its key guards nothing.
      return authority('wsconform CA nobody trusts', sharedLeafKeys()).issue(hosts);
    case 'wrong-host':
      return ca.issue([WRONG_HOST]);
    case 'expired': {
      const t = Date.now();
      return ca.issue(hosts, { notBefore: new Date(t - 20 * DAY), notAfter: new Date(t - 10 * DAY) });
    }
    case 'self-signed':
      return selfSignedLeaf(hosts);
  }
}

/**
 * The names a certificate for a server listening on `host` is for: that host first (its common
 * name), then the loopback names, so that a client may dial 127.0.0.1, ::1 or localhost. A wildcard
 * address (0.0.0.0, ::) is no name: the loopback ones stand for it.
 */
export function certificateHosts(host: string): string[] {
  const loopback = ['localhost', '127.0.0.1', '::1'];
  const wildcard = host === '0.0.0.0' || host === '::' || host === '';
  return wildcard ? loopback : [host, ...loopback.filter((h) => h !== host)];
}
