#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| liangxin::fuzz::ledger_json(data));
