<?php
/**
 * A legacy `asterisk -rx` scraper, run unchanged on a machine without Asterisk.
 *
 *     PATH=/usr/local/lib/amijson/asterisk-link:$PATH php php-examples/legacy-unchanged.php
 *
 * channels_before() below is the old function of legacy-swap.php, copied without changing one
 * character: it runs `asterisk -rx "core show channels concise"` and cuts the text on '!'. Here
 * the `asterisk` it finds on PATH is amijson's link (scripts/install --asterisk-link DIR, and DIR
 * put first in the web server's PATH), so the command goes to the PBX over AMI with amijson's own
 * settings (its config file, a profile, or AMIJSON_HOST, AMIJSON_USER, AMIJSON_SECRET... in the
 * server's environment), and what comes back is the text asterisk -rx would have printed on the PBX
 * itself, byte for byte: the function cannot tell the difference, and needs no control socket and no
 * asterisk group for the web server.
 *
 * The function reads AMIJSON_ASTERISK first, as it always did: leave it unset here, or it names the
 * asterisk executable to run instead of the one on PATH.
 */

/** BEFORE: scrape `asterisk -rx "core show channels concise"`. */
function channels_before(): array
{
    $asterisk = getenv('AMIJSON_ASTERISK') ?: 'asterisk';
    $text = shell_exec(escapeshellarg($asterisk) . ' -rx "core show channels concise" 2>/dev/null');
    if (!is_string($text) || trim($text) === '' ) {
        // Also what an idle PBX looks like: the old way cannot tell "no channels" from "no asterisk".
        return [];
    }
    $names = [];
    foreach (explode("\n", trim($text)) as $line) {
        $fields = explode('!', $line);   // Channel!Context!Exten!Prio!State!App!Data!CID!...
        if (count($fields) > 1) {
            $names[] = $fields[0];
        }
    }
    return $names;
}

$found = trim((string) shell_exec('command -v asterisk 2>/dev/null'));
$channels = channels_before();
fwrite(STDERR, sprintf("asterisk on PATH: %s; %d channels\n", $found !== '' ? $found : '(none)', count($channels)));
echo json_encode(['asterisk' => $found, 'channels' => $channels],
                 JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR), "\n";
