// The codice fiscale rules of internal/person/codicefiscale.go, so a citizen
// sees a mistake while typing; the server checks again and its
// FieldViolation wins.
const monthLetters = "ABCDEHLMPRST";
const omocodia = "LMNPQRSTUV";
const numericPositions = [6, 7, 9, 10, 12, 13, 14];
const letterPositions = [0, 1, 2, 3, 4, 5, 8, 11, 15];
const oddValues = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23];

/** CFError codes match internal/person's stable codes. */
export type CFError = "required" | "cf_length" | "cf_format" | "cf_month" | "cf_day" | "cf_check";

const isDigit = (c: string) => c >= "0" && c <= "9";
const isUpper = (c: string) => c >= "A" && c <= "Z";

/** checkCF returns the first rule a codice fiscale breaks, or null. */
export function checkCF(input: string): CFError | null {
  const s = input.trim().toUpperCase();
  if (s === "") return "required";
  if ([...s].length !== 16) return "cf_length";
  for (const c of s) if (!isUpper(c) && !isDigit(c)) return "cf_format";
  const d = s.split("");
  for (const p of numericPositions) {
    const k = omocodia.indexOf(s[p]);
    if (k >= 0) d[p] = String(k);
    else if (!isDigit(s[p])) return "cf_format";
  }
  for (const p of letterPositions) if (!isUpper(s[p])) return "cf_format";
  const m = monthLetters.indexOf(s[8]);
  if (m < 0) return "cf_month";
  const yy = Number(d[6] + d[7]);
  let day = Number(d[9] + d[10]);
  if (day > 40) day -= 40;
  const month = m + 1;
  const days = month === 2 ? (yy % 4 === 0 ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
  if (day < 1 || day > days) return "cf_day";
  let sum = 0;
  for (let i = 0; i < 15; i++) {
    const c = s[i];
    const v = isDigit(c) ? c.charCodeAt(0) - 48 : c.charCodeAt(0) - 65;
    sum += i % 2 === 0 ? oddValues[v] : v;
  }
  if (String.fromCharCode(65 + (sum % 26)) !== s[15]) return "cf_check";
  return null;
}
