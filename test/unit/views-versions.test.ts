/*
 * The views' readings of what strongSwan 6.x adds (alert, ake1..ake7, per-cpu-sas/cpu,
 * list-conn ports and proposals, list-policy reqid), from messages encoded and decoded as on
 * the wire; and that a 5.9-shaped message, without any of them, reads as before. What the
 * real daemons send is checked per version in test/integration/versions.test.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  ALERT_TYPES,
  alertSeverity,
  decodeMessage,
  type EncodableSection,
  encodeMessage,
  parseAlertEvent,
  parseListConnEvent,
  parseListPolicyEvent,
  parseListSaEvent,
} from '../../source/vici/index.js';

const wire = (m: EncodableSection) => decodeMessage(encodeMessage(m));

const ike = {
  uniqueid: '7',
  state: 'ESTABLISHED',
  'dh-group': 'CURVE_25519',
  ake1: 'ML_KEM_768',
  ake3: 'ECP_256',
};

describe('alert', () => {
  it('reads the type, its severity and the IKE_SA (without children)', () => {
    const a = parseAlertEvent(wire({ type: 'peer-auth-failed', 'ike-sa': { 'vt-bad': ike } }));
    expect(a.type).toBe('peer-auth-failed');
    expect(a.severity).toBe('error');
    expect(a.ike?.name).toBe('vt-bad');
    expect(a.ike?.uniqueid).toBe('7');
    expect(a.ike?.children).toEqual([]);
  });

  it('an alert without ike-sa has no ike; an unknown type is kept as a warning', () => {
    const a = parseAlertEvent(wire({ type: 'shutdown-signal' }));
    expect(a).toMatchObject({ type: 'shutdown-signal', severity: 'warning' });
    expect('ike' in a).toBe(false);
    const b = parseAlertEvent(wire({ type: 'something-new-in-6.2' }));
    expect(b).toMatchObject({ type: 'something-new-in-6.2', severity: 'warning' });
    expect(parseAlertEvent(wire({})).type).toBe('');
  });

  it('knows the 33 types of the vici README, each with a severity', () => {
    expect(ALERT_TYPES).toHaveLength(33);
    expect(new Set(ALERT_TYPES).size).toBe(33);
    const of = (sev: string) => ALERT_TYPES.filter((t) => alertSeverity(t) === sev);
    const bySeverity = { info: of('info'), error: of('error'), warning: of('warning') };
    expect(bySeverity.info.length + bySeverity.error.length + bySeverity.warning.length).toBe(33);
    expect(bySeverity.info.sort()).toEqual([
      'retransmit-send-cleared',
      'ts-narrowed',
      'unique-replace',
    ]);
    expect(bySeverity.error).toContain('proposal-mismatch-ike');
    expect(bySeverity.warning).toContain('retransmit-send');
  });
});

describe('list-sa', () => {
  it('reads ake1..ake7 where sent, and only those', () => {
    const [sa] = parseListSaEvent(
      wire({
        conn: {
          ...ike,
          'child-sas': {
            'c-1': {
              name: 'c',
              state: 'INSTALLED',
              'per-cpu-sas': 'yes',
              cpu: '3',
              label: '0a0b',
              'mark-mask-in': 'ffffffff',
              'dh-group': 'CURVE_25519',
              ake2: 'ML_KEM_1024',
            },
          },
        },
      }),
    );
    expect([sa?.dhGroup, sa?.ake1, sa?.ake2, sa?.ake3]).toEqual([
      'CURVE_25519',
      'ML_KEM_768',
      undefined,
      'ECP_256',
    ]);
    expect(Object.keys(sa!).filter((k) => k.startsWith('ake'))).toEqual(['ake1', 'ake3']);
    const c = sa?.children[0];
    expect(c).toMatchObject({
      perCpuSas: true,
      cpu: 3,
      label: '0a0b',
      markMaskIn: 'ffffffff',
      ake2: 'ML_KEM_1024',
    });
  });

  it('a 5.9 CHILD_SA (none of them) reads as undefined, not as false or 0', () => {
    const [sa] = parseListSaEvent(
      wire({
        conn: { uniqueid: '1', state: 'ESTABLISHED', 'child-sas': { 'c-1': { name: 'c' } } },
      }),
    );
    const c = sa!.children[0]!;
    expect([c.perCpuSas, c.cpu, c.ake1, sa!.ake1, c.label]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe('list-conn and list-policy', () => {
  it('reads ports, proposals (6.1) and the other conn fields', () => {
    const [c] = parseListConnEvent(
      wire({
        'net-net': {
          local_addrs: ['192.168.0.1'],
          local_port: '500',
          remote_port: '4500',
          reauth_time: '0',
          rekey_time: '14400',
          unique: 'UNIQUE_NO',
          proposals: { 0: { encr: ['AES_CBC_128'], ke: ['CURVE_25519'], ke1: ['ML_KEM_768'] } },
          'local-1': { class: 'pre-shared key', cert_policy: ['1.2.3'], 'eap-type': 'md5' },
          children: {
            'net-net': {
              rekey_bytes: '0',
              esp_proposals: { 0: { encr: ['AES_CBC_128'], sn: ['NO_EXT_SEQ'] } },
              ah_proposals: {},
            },
          },
        },
      }),
    );
    expect(c).toMatchObject({
      localPort: 500,
      remotePort: 4500,
      rekeyTime: 14400,
      unique: 'UNIQUE_NO',
    });
    expect(c?.proposals).toEqual([
      { encr: ['AES_CBC_128'], ke: ['CURVE_25519'], ke1: ['ML_KEM_768'] },
    ]);
    expect(c?.local[0]).toMatchObject({ certPolicy: ['1.2.3'], eapType: 'md5' });
    expect(c?.children[0]).toMatchObject({
      rekeyBytes: 0,
      espProposals: [{ encr: ['AES_CBC_128'], sn: ['NO_EXT_SEQ'] }],
      ahProposals: [],
    });
  });

  it('a 5.9 connection has no ports or proposals (undefined, not empty)', () => {
    const [c] = parseListConnEvent(wire({ rw: { local_addrs: ['%any'], children: { rw: {} } } }));
    expect([c?.localPort, c?.remotePort, c?.proposals]).toEqual([undefined, undefined, undefined]);
    expect([c?.children[0]?.espProposals, c?.children[0]?.ahProposals]).toEqual([
      undefined,
      undefined,
    ]);
  });

  it('reads a policy reqid where sent', () => {
    const [p, q] = parseListPolicyEvent(
      wire({ 'a/b': { child: 'b', reqid: '5', ike: 'a' }, 'c/d': { child: 'd' } }),
    );
    expect([p?.reqid, q?.reqid]).toEqual([5, undefined]);
  });
});
