/** Card-number-like runs: 13 to 19 digits, optionally grouped by single spaces or dashes (PCI DSS PAN lengths). */
const CANDIDATE = /(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d])/g;

/** The Luhn checksum every payment card number satisfies; random digit runs pass it one time in ten. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) { d *= 2; if (d > 9) d -= 9; }
    sum += d;
  }
  return sum % 10 === 0;
}

/** Masks every Luhn-valid card number in text, keeping the last four digits (PCI DSS 3.4 display rule) and the grouping. */
export function maskCardNumbers(text: string): string {
  return text.replace(CANDIDATE, (run) => {
    const digits = run.replace(/[ -]/g, '');
    if (digits.length < 13 || digits.length > 19 || !luhnValid(digits)) return run;
    let left = digits.length - 4;
    return run.replace(/\d/g, (d) => (left-- > 0 ? '*' : d));
  });
}
