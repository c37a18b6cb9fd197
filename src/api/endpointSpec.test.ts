import { describe, expect, it } from 'vitest';
import { SluiceError } from '../errors.js';
import { readEndpointSpec } from './endpointSpec.js';

function problems(body: unknown): unknown {
  try {
    readEndpointSpec(body);
    return 'valid';
  } catch (err) {
    return err instanceof SluiceError && err.code === 'ERR_CONFIG' ? err.details : err;
  }
}

describe('api > endpointSpec', () => {
  it('accepts a netns or an ifname endpoint and defaults the namespace', () => {
    expect(readEndpointSpec({ name: 'web', labels: { app: 'web', 'k8s:io.kubernetes.pod.namespace': 'shop' }, netns: 'sluice-web', ipv4: '10.0.0.2', ipv6: 'fd00::2' })).toEqual({
      name: 'web',
      namespace: 'default',
      labels: { app: 'web', 'k8s:io.kubernetes.pod.namespace': 'shop' },
      netns: 'sluice-web',
      ipv4: '10.0.0.2',
      ipv6: 'fd00::2',
    });
    expect(readEndpointSpec({ name: 'db', namespace: 'shop', ifname: 'veth1234', netns: null })).toEqual({ name: 'db', namespace: 'shop', labels: {}, ifname: 'veth1234' });
    expect(readEndpointSpec({ name: 'p', netns: '/proc/123/ns/net' }).netns).toBe('/proc/123/ns/net');
  });

  it('lists every problem at once', () => {
    expect(problems({ name: 'a/b', netns: 'x', ifname: 'y', ipv4: 'fd00::1', ipv6: '10.0.0.1', labels: { 'bad key': 'v', ok: 3 }, extra: 1 })).toEqual([
      "unknown field 'extra'",
      "name 'a/b': letters, digits, '.', '_' and '-', at most 63, starting with a letter or digit",
      "label key 'bad key' is not a valid label key",
      "label 'ok' must have a string value",
      'give exactly one of netns and ifname',
      "ipv4 'fd00::1' is not an IPv4 address",
      "ipv6 '10.0.0.1' is not an IPv6 address",
    ]);
  });

  it('refuses a missing name, non-objects, long interface names and empty strings', () => {
    expect(problems({ ifname: 'eth0' })).toEqual(['name is required']);
    expect(() => readEndpointSpec([])).toThrow('endpoint: the body must be a JSON object');
    expect(problems({ name: 'x', ifname: 'a-very-long-ifname' })).toEqual(["ifname 'a-very-long-ifname': at most 15 characters, no '/', ':' or spaces"]);
    expect(problems({ name: 'x', ifname: '' })).toEqual(['ifname must be a non-empty string', 'give exactly one of netns and ifname']);
    expect(problems({ name: 'x', netns: '../etc' })).toEqual(["netns '../etc': a name under /var/run/netns or an absolute path"]);
  });
});
