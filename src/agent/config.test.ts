import { describe, expect, it } from 'vitest';
import { isSluiceError } from '../errors.js';
import { validateConfig } from './config.js';

describe('agent > config > fqdn cache bounds', () => {
  it('defaults to 1000 addresses per name and 10,000 names per endpoint, and takes other values', () => {
    expect(validateConfig({ node: 'n' }, 'test').fqdn).toEqual({ minTtlSec: 0, maxAddressesPerName: 1000, maxNamesPerEndpoint: 10_000 });
    expect(validateConfig({ node: 'n', fqdn: { maxNamesPerEndpoint: 50_000 } }, 'test').fqdn.maxNamesPerEndpoint).toBe(50_000);
  });

  it('refuses a bound that is not a positive integer, naming the field', () => {
    for (const bad of [0, -1, 1.5, 'many']) {
      let error: unknown;
      try {
        validateConfig({ node: 'n', fqdn: { maxNamesPerEndpoint: bad } }, 'test');
      } catch (err) {
        error = err;
      }
      expect(isSluiceError(error, 'ERR_CONFIG')).toBe(true);
      expect((error as Error).message).toContain('fqdn.maxNamesPerEndpoint');
    }
  });
});

describe('agent > config > kafka compression', () => {
  const kafka = (extra: Record<string, unknown>) => ({ node: 'n', log: { kafka: { brokers: ['127.0.0.1:9092'], ...extra } } });

  it('defaults to lz4 where liblz4 loads, and takes none and gzip', () => {
    expect(['lz4', 'none']).toContain(validateConfig(kafka({}), 'test').log.kafka?.compression);
    if (process.env.CI === 'true') expect(validateConfig(kafka({}), 'test').log.kafka?.compression).toBe('lz4');
    expect(validateConfig(kafka({ compression: 'none' }), 'test').log.kafka?.compression).toBe('none');
    expect(validateConfig(kafka({ compression: 'gzip' }), 'test').log.kafka?.compression).toBe('gzip');
  });

  it('refuses a codec it does not have, naming the field and the choices', () => {
    for (const bad of ['snappy', 'zstd', 3, null]) {
      expect(() => validateConfig(kafka({ compression: bad }), 'test')).toThrow(/log\.kafka\.compression: must be one of none, gzip, lz4/);
    }
  });
});

describe('agent > config > upstream sockets', () => {
  it('spreads upstream queries over 8 sockets by default, and takes up to 4096', () => {
    expect(validateConfig({ node: 'n' }, 'test').proxy.upstreamSockets).toBe(8);
    expect(validateConfig({ node: 'n', proxy: { upstreamSockets: 256 } }, 'test').proxy.upstreamSockets).toBe(256);
  });

  it('refuses a count that is not an integer from 1 to 4096, naming the field', () => {
    for (const bad of [0, 4097, 2.5, 'many']) {
      expect(() => validateConfig({ node: 'n', proxy: { upstreamSockets: bad } }, 'test')).toThrow(/proxy\.upstreamSockets/);
    }
  });
});
