// The coordinator's pgwire users: a text file of `user:password` lines (blank lines and lines
// starting with # ignored), so passwords stay out of command lines and can come from a mounted
// secret. With users configured, clients authenticate (SCRAM-SHA-256) from any address.
import { KodiakError, SqlState } from "../../util/index.js";

/** Bound on configured users: the file is read whole at start. */
const MAX_USERS = 10_000;

export function parsePgUsers(text: string, file: string): Record<string, string> {
  const users: Record<string, string> = {};
  let n = 0;
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === "" || line.trimStart().startsWith("#")) return;
    const colon = line.indexOf(":");
    const user = colon < 0 ? "" : line.slice(0, colon).trim();
    const password = colon < 0 ? "" : line.slice(colon + 1);
    if (user === "" || password === "") throw new KodiakError(SqlState.invalidParameterValue, `${file}:${i + 1}: expected user:password`);
    if (Object.hasOwn(users, user))
      throw new KodiakError(SqlState.invalidParameterValue, `${file}:${i + 1}: user '${user}' is listed twice`);
    if (++n > MAX_USERS) throw new KodiakError(SqlState.invalidParameterValue, `${file}: more than ${MAX_USERS} users`);
    users[user] = password;
  });
  if (n === 0) throw new KodiakError(SqlState.invalidParameterValue, `${file}: no users (expected user:password lines)`);
  return users;
}
