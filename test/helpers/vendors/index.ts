/** The vendor scripts by `FEED` name, with what a client asks for and the credentials each needs. */
import { alpacaScript } from './alpaca.ts';
import { binanceScript } from './binance.ts';
import { coinbaseScript } from './coinbase.ts';
import { finnhubScript } from './finnhub.ts';
import { krakenScript } from './kraken.ts';
import { massiveScript } from './massive.ts';
import type { VendorScript } from './server.ts';

export interface VendorCase {
  script: VendorScript;
  /** What a client asks for (gateway spelling). */
  symbol: string;
  /** The same symbol in the vendor's spelling (what the server's subscription holds). */
  vendorSymbol: string;
  /** Fake credentials for the gateway's environment (values no real vendor would accept). */
  credentials: Record<string, string>;
  /** Does a quote of this feed carry bid and ask (false: trade-only, `last`)? */
  twoSided: boolean;
}

export const VENDOR_CASES: readonly VendorCase[] = [
  { script: coinbaseScript, symbol: 'BTC-USD', vendorSymbol: 'BTC-USD', credentials: {}, twoSided: true },
  { script: krakenScript, symbol: 'BTC/USD', vendorSymbol: 'BTC/USD', credentials: {}, twoSided: true },
  { script: binanceScript, symbol: 'BTCUSDT', vendorSymbol: 'BTCUSDT', credentials: {}, twoSided: true },
  {
    script: alpacaScript,
    symbol: 'AAPL',
    vendorSymbol: 'AAPL',
    credentials: { ALPACA_KEY_ID: 'test-key-id-7f3a', ALPACA_SECRET_KEY: 'test-secret-91c2' },
    twoSided: true,
  },
  {
    script: finnhubScript,
    symbol: 'BINANCE:BTCUSDT',
    vendorSymbol: 'BINANCE:BTCUSDT',
    credentials: { FINNHUB_TOKEN: 'test-token-5d8e' },
    twoSided: false,
  },
  {
    script: massiveScript,
    symbol: 'AAPL',
    vendorSymbol: 'AAPL',
    credentials: { MASSIVE_API_KEY: 'test-api-key-2b6f' },
    twoSided: true,
  },
];
