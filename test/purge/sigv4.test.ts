import { describe, expect, it } from 'vitest';
import { signV4 } from '../../src/purge/sigv4.js';

describe('the SigV4 signer', () => {
  it("gives AWS's published signature for the get-vanilla example of its test suite", () => {
    const headers = signV4(
      {
        method: 'GET',
        url: 'https://example.amazonaws.com/',
        headers: {},
        body: '',
        service: 'service',
        region: 'us-east-1',
        now: Date.UTC(2015, 7, 30, 12, 36, 0),
      },
      { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
    );
    expect(headers).toEqual({
      'x-amz-date': '20150830T123600Z',
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    });
  });
});
