<?php
/**
 * Click-to-call: place a call and say how it ended, in one line for a person.
 *
 *     php php-examples/click-to-call.php FROM TO
 *
 * TO is rung first; once TO answers, the call goes on to extension FROM (the desk phone of the
 * person who clicked, a queue, an IVR). So the outcome printed is TO's:
 *
 *     answered: Local/0123456789@from-internal-0000002a;1          exit 0
 *     busy: Local/0123456789@from-internal-0000002a;1              exit 1 (no_answer, congestion, failed... too)
 *     error: timeout: deadline of 40s passed waiting for ...        exit amijson's code (5 here; 3 connect, 4 auth...)
 *
 * One call: `amijson action Originate Channel=... Context=... Exten=... Priority=1 Async=true
 * Timeout=MS CallerID=FROM`, with Async=true amijson waits for Asterisk's OriginateResponse and
 * reports its Reason as a word (docs/originate.md). Settings, from the environment:
 *
 *   AMIJSON_ORIGINATE_CONTEXT  the dialplan context both numbers are dialled in (default: from-internal)
 *   AMIJSON_ORIGINATE_CHANNEL  the channel rung first (default: Local/{TO}@{CONTEXT}, TO dialled
 *                              through the dialplan as a phone of the PBX would dial it)
 *   AMIJSON_ORIGINATE_EXTEN    the extension the answered call goes to, in CONTEXT (default: {FROM})
 *   AMIJSON_ORIGINATE_RING     seconds TO may ring before the call counts as no_answer (default: 30)
 *
 * To ring the clicking person's own phone first and then dial TO (the outcome is then that
 * phone's), set AMIJSON_ORIGINATE_CHANNEL='PJSIP/{FROM}' and AMIJSON_ORIGINATE_EXTEN='{TO}'.
 * AMIJSON_HOST, AMIJSON_USER, AMIJSON_SECRET... as for every example (README.md); the manager user
 * needs the `originate` write class and the `call` read class (Asterisk sends the
 * OriginateResponse only to sessions that may read `call` events).
 *
 * FROM and TO come from a web form in real life, so they are checked before anything runs:
 * digits, letters (dialplan extension names such as `s`) and + * #, at most 32 of them; spaces,
 * dashes, dots and parentheses (as in "+1 (555) 123-4567") are dropped. No '@', '/', '&' or ','
 * can get through into the channel string. Each value is an operand after the verb, one array
 * element each: no shell, no option.
 */
require_once __DIR__ . '/amijson.php';

const DIAL_MAX = 32;

/** A number or extension as typed, made dialable; null when it cannot be. */
function dialable(string $typed): ?string
{
    $number = str_replace([' ', '-', '.', '(', ')'], '', $typed);
    return preg_match('/\A[A-Za-z0-9+*#]{1,' . DIAL_MAX . '}\z/', $number) ? $number : null;
}

function setting(string $name, string $default): string
{
    $value = getenv($name);
    return $value === false || $value === '' ? $default : $value;
}

function refuse(string $message): void
{
    fwrite(STDERR, "click-to-call: $message\n");
    echo "error: usage: $message\n";
    exit(2);
}

if ($argc !== 3) {
    refuse('php click-to-call.php FROM TO');
}
$from = dialable($argv[1]);
$to = dialable($argv[2]);
foreach (['FROM' => [$from, $argv[1]], 'TO' => [$to, $argv[2]]] as $what => [$value, $typed]) {
    if ($value === null) {
        $shown = json_encode($typed, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE);
        refuse(sprintf('%s %s cannot be dialled: digits, letters and + * # only, at most %d', $what, $shown,
                       DIAL_MAX));
    }
}
$ring = setting('AMIJSON_ORIGINATE_RING', '30');
if (!preg_match('/\A[0-9]{1,3}\z/', $ring) || (int) $ring < 1 || (int) $ring > 600) {
    refuse("AMIJSON_ORIGINATE_RING=$ring: whole seconds from 1 to 600 are expected");
}
$context = setting('AMIJSON_ORIGINATE_CONTEXT', 'from-internal');
$fill = ['{FROM}' => $from, '{TO}' => $to, '{CONTEXT}' => $context];
$channel = strtr(setting('AMIJSON_ORIGINATE_CHANNEL', 'Local/{TO}@{CONTEXT}'), $fill);
$exten = strtr(setting('AMIJSON_ORIGINATE_EXTEN', '{FROM}'), $fill);

$args = ['action', 'Originate', 'Channel=' . $channel, 'Context=' . $context, 'Exten=' . $exten, 'Priority=1',
         'Async=true', 'Timeout=' . ((int) $ring * 1000), 'CallerID=' . $from];
// amijson's deadline must cover the ringing and what follows it; the library's watchdog (which
// kills a run that outlives its timeout by 15 s) reads the same timeout.
$opts = ['timeout' => (int) $ring + 10];
$ran = 'amijson ' . implode(' ', $args);

try {
    $doc = amijson($args, $opts);
    $outcome = $doc['outcome'] ?? null;
    $event = is_array($outcome) ? ($outcome['event'] ?? null) : null;
    $channelName = is_array($event) ? ($event['Channel'] ?? $channel) : $channel;
    $channelId = $doc['request']['headers']['ChannelId'] ?? '?';
    fwrite(STDERR, sprintf("ran: %s -> answered, ChannelId %s\n", $ran, $channelId));
    echo 'answered: ', $channelName, "\n";
    exit(0);
} catch (AmijsonException $e) {
    $document = $e->getDocument();
    $outcome = is_array($document) ? ($document['outcome'] ?? null) : null;
    $event = is_array($outcome) ? ($outcome['event'] ?? null) : null;
    $code = $e->getExitCode() ?: 1;
    fwrite(STDERR, sprintf("ran: %s -> %s (exit %d): %s\n", $ran, $e->getErrorCode(), $code, $e->getMessage()));
    if (is_array($event) && isset($outcome['result'])) {
        // Asterisk said how the call ended: busy, no_answer, congestion, hangup, failed, unknown
        echo $outcome['result'], ': ', $event['Channel'] ?? $channel, "\n";
    } else {
        // No outcome from Asterisk: refused, unreachable, login failed, or the deadline passed
        echo 'error: ', $e->getErrorCode(), ': ', $e->getMessage(), "\n";
    }
    exit($code);
}
