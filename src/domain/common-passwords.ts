/**
 * The password rule, after NIST SP 800-63B and OWASP: at least 12 characters, no
 * composition rules, and refuse what attackers try first. A small local list stands
 * in for a breach corpus (no network call, nothing leaves the Worker): the most
 * common passwords and base words of public breach lists, English and Norwegian.
 * We compare lowercase, and also the letters alone, so "Password1234!" counts as
 * "password" — length from digits and symbols tacked on adds almost nothing.
 */

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

/** Why a password is refused; null when it is acceptable. */
export type PasswordWeakness = "too_short" | "too_long" | "common" | "personal";

const COMMON = new Set(
  `
123456 password 123456789 12345678 12345 qwerty 1234567 111111 1234567890 123123 abc123 1234 password1 iloveyou
1q2w3e4r 000000 qwerty123 zaq12wsx dragon sunshine princess letmein 654321 monkey 27653 1qaz2wsx 123321
qwertyuiop superman asdfghjkl asdfgh asdf trustno1 welcome shadow master football baseball soccer hockey
jordan michael jessica ashley charlie donald freedom whatever mustang batman starwars pokemon killer pepper
hunter hunter2 ranger buster thomas robert tigger summer winter spring autumn hello hello123 hallo hei
admin administrator root toor guest user login changeme default secret letmein1 passw0rd p@ssword p@ssw0rd
passpass password123 password12 password1234 password12345 qwerty1 qwerty12 qwerty1234 qwertyuiop123
iloveyou1 iloveyou2 loveyou lovely love loveme myspace facebook google youtube twitter instagram linkedin
microsoft apple samsung nintendo playstation xbox minecraft fortnite roblox computer internet
access flower flowers cookie chocolate cheese banana orange purple yellow silver golden ginger
maggie bailey daniel andrew joshua matthew anthony william george harley hannah sophie amanda jennifer
nicole michelle chelsea arsenal liverpool manchester barcelona realmadrid juventus chelsea1 liverpool1
football1 baseball1 soccer1 princess1 sunshine1 superman1 batman1 monkey1 dragon1 master1 shadow1
azerty azertyuiop qazwsx qazwsxedc zxcvbn zxcvbnm asdfghjkl1 1qazxsw2 1q2w3e 1q2w3e4r5t 1q2w3e4r5t6y
q1w2e3r4 q1w2e3r4t5 a1b2c3 a1b2c3d4 abcd1234 abcdef abcdefg abcdefgh aaaaaa aaaaaaaa zzzzzz
11111111 22222222 88888888 99999999 12341234 11223344 112233 121212 123654 159753 147258369 987654321
123qwe 123abc qwe123 asd123 zxc123 1234qwer qwer1234 1qaz2wsx3edc zaq1zaq1 zaq12wsxcde3 !qaz2wsx
blink182 michael1 jordan23 lakers yankees cowboys eagles steelers packers tennis golfer
pussy fuckyou fuckoff asshole bitch sexy hottie lovers angel angel1 babygirl baby princesa
welcome1 welcome123 welcome2024 welcome2025 welcome2026 changeme1 changeme123 secret123 admin123 admin1234
root123 test test123 test1234 testing tester demo demo123 sample example temp temp123 temporary
passord passord1 passord123 passord1234 hemmelig hemmelig1 norge norge123 norge2024 oslo bergen
trondheim stavanger sommer sommer2023 sommer2024 sommer2025 sommer2026 vinter vinter2024 vinter2025
fotball fotball1 rosenborg brann vålerenga valerenga molde bodøglimt glimt
kjæreste kjaereste elskerdeg jegelskerdeg hjerte hjertet mamma pappa familie kanin katt hund
tusenfryd sjokolade bamse prinsesse solskinn velkommen velkommen1 qwertzuiop
pactly pactly123 esign esignature signature contract agreement document
starwars1 jedi skywalker matrix neo trinity gandalf frodo hobbit hogwarts harrypotter voldemort
spiderman ironman captain marvel avengers thor hulk superhero wonderwoman
mercedes porsche ferrari corvette camaro mustang1 harley1 yamaha honda toyota volvo tesla
diamond crystal rainbow butterfly unicorn dolphin tiger lion panda eagle falcon phoenix
jesus christ god heaven angels blessed faith
november december january february march april june july august september october
monday tuesday wednesday thursday friday saturday sunday
money dollar cash bitcoin crypto
qwerty123456 qwertyqwerty asdfasdf zxcvzxcv 1234abcd abcd123456 password2024 password2025 password2026
letmein123 letmeinnow openup opensesame mypassword yourpassword nopassword newpassword oldpassword
ilovemyself ilovemymom iloveyou123 loveyou123 trustme believe whatever1 nothing anything something
computer1 internet1 server database security secure private personal office work company business
`
    .trim()
    .split(/\s+/),
);

/** Keyboard rows and alphabets: a run along any of them is no secret. */
const SEQUENCES = [
  "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz",
  "0123456789012345678901234567890123456789",
  "qwertyuiopasdfghjklzxcvbnmqwertyuiopasdfghjklzxcvbnm",
  "qwertzuiopasdfghjklyxcvbnm",
  "azertyuiopqsdfghjklmwxcvbn",
  "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
  "1q2w3e4r5t6y7u8i9o0p",
  "qazwsxedcrfvtgbyhnujmikolp",
];

/** A string that is one shorter unit repeated ("abcabcabcabc", "monkeymonkey"). */
function isRepetition(s: string): boolean {
  return s.length > 0 && /^(.+?)\1+$/su.test(s);
}

function isSequence(s: string): boolean {
  if (s.length < 4) return false;
  const reversed = [...s].reverse().join("");
  return SEQUENCES.some((seq) => seq.includes(s) || seq.includes(reversed));
}

/**
 * Words that identify the person: their email's local part and its pieces, and each
 * part of their name, when at least four letters long (shorter pieces occur by chance
 * inside ordinary words).
 */
export function personalWords(person: { name?: string | undefined; email?: string | undefined }): string[] {
  const words = new Set<string>();
  const local = person.email?.toLowerCase().split("@")[0] ?? "";
  for (const piece of [local, ...local.split(/[^\p{L}]+/u)]) if ([...piece].length >= 4) words.add(piece);
  for (const piece of (person.name ?? "").toLowerCase().split(/[^\p{L}]+/u)) if ([...piece].length >= 4) words.add(piece);
  return [...words];
}

/** Checks a new password against the rule; `person` is the account it is for. */
export function passwordWeakness(password: string, person: { name?: string | undefined; email?: string | undefined } = {}): PasswordWeakness | null {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) return "too_short";
  if (length > PASSWORD_MAX_LENGTH) return "too_long";
  const lower = password.toLowerCase();
  const compact = lower.replace(/[\s\p{P}\p{S}]+/gu, "");
  const letters = lower.replace(/[^\p{L}]+/gu, "");
  if (
    COMMON.has(lower) ||
    COMMON.has(compact) ||
    (letters.length > 0 && COMMON.has(letters)) ||
    new Set(compact).size <= 3 ||
    isRepetition(compact) ||
    (letters.length >= 4 && isRepetition(letters)) ||
    isSequence(compact)
  ) {
    return "common";
  }
  if (personalWords(person).some((word) => lower.includes(word))) return "personal";
  return null;
}

/** The size of the local list, for tests and the README. */
export const commonPasswordCount = COMMON.size;

/** True when this exact password (any letter case) is on the local list. */
export function isCommonPassword(password: string): boolean {
  return COMMON.has(password.toLowerCase());
}
