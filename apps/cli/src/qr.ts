import QRCode from 'qrcode';

/**
 * A QR code for the terminal (two rows per character line), or undefined when stdout is not a terminal — then the
 * caller prints the secret and URI only, which a script or `qrencode` can use.
 */
export async function terminalQr(text: string, stream: NodeJS.WriteStream = process.stdout): Promise<string | undefined> {
  if (!stream.isTTY) return undefined;
  return QRCode.toString(text, { type: 'terminal', small: true, errorCorrectionLevel: 'M' });
}
