export declare const PG_INSTALL_HINT: string;
/** The password of the role `desk_pw`, the one role that must give one. */
export declare const PASSWORD_ROLE_PASSWORD: string;

export interface Postgres {
  port: number;
  dir: string;
  /** The directory of the server binaries (psql, pg_dump, …). */
  bin: string;
  /** A new empty database owned by the test role; its postgres:// URL. */
  createDb(): string;
  /** Runs SQL as the superuser in a database (for checks a desk role may not make). */
  psql(database: string, query: string): string;
  stop(): void;
}

export declare function startPostgres(options?: { maxConnections?: number }): Promise<Postgres>;
