import { describe, expect, it } from 'vitest';
import { starterDependency } from '../../src/commands/init.js';

describe('isr init: where the new site gets isr from', () => {
  it('links to the running copy when isr runs from a clone (no copy on the registry is needed)', () => {
    expect(starterDependency('/home/me/src/isr', '0.1.0')).toBe('file:/home/me/src/isr');
  });
  it('asks the registry for this version when isr itself was installed from it', () => {
    expect(starterDependency('/home/me/site/node_modules/static-isr', '0.3.2')).toBe('^0.3.2');
    expect(starterDependency('C:\\site\\node_modules\\static-isr', '0.3.2')).toBe('^0.3.2');
  });
});
