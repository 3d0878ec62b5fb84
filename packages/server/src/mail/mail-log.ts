/** The subset of the server's (pino) logger the mail module uses. */
export interface MailLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}
