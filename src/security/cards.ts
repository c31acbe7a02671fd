/** Runs of 13-19 digits, optionally grouped by single spaces or dashes, as card numbers are written. */
const CANDIDATE = /\b\d(?:[ -]?\d){12,18}\b/g;

/** The Luhn (mod 10) check every payment card number passes. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * Masks card-number-like strings (13-19 digits passing Luhn) in text about to be printed, keeping
 * the last four digits, as PCI DSS 3.4 allows for display: 4111 1111 1111 1111 → ************1111.
 */
export function maskCardNumbers(text: string): string {
  return text.replace(CANDIDATE, (match) => {
    const digits = match.replace(/[ -]/g, '');
    if (digits.length < 13 || digits.length > 19 || !luhnValid(digits)) return match;
    return `${'*'.repeat(digits.length - 4)}${digits.slice(-4)}`;
  });
}
