// How a database location is shown and remembered: a postgres:// URL may carry a password, which
// desk never prints and never writes into its config (secrets stay out of it).

const URL_WITH_PASSWORD = /^(postgres(?:ql)?:\/\/[^:@/?#]*):[^@/?#]*@/i;

/** The location with any password in a URL replaced by ***, for messages. */
export function shownLocation(location: string): string {
  return location.replace(URL_WITH_PASSWORD, '$1:***@');
}

/** The location with any password in a URL left out, for the config. */
export function withoutPassword(location: string): string {
  return location.replace(URL_WITH_PASSWORD, '$1@');
}

export function hasPassword(location: string): boolean {
  return URL_WITH_PASSWORD.test(location);
}
