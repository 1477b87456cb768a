<?php
/**
 * What the live pages share: the library, their settings and the cap on streams.
 *
 * The pages reach Asterisk only through amijson, with the settings of the web server's own
 * environment or config file (AMIJSON_CONFIG / AMIJSON_PROFILE, or AMIJSON_HOST, _USER,
 * _SECRET_FILE...): nothing of them ever reaches the browser, which cannot send an action either.
 *
 * AMIJSON_LIVE_MAX_STREAMS  most event streams this server runs at once (default 20); each is one
 *                           amijson process and one AMI session
 * AMIJSON_LIVE_LOOKUP       where the screen pop's "look up" link goes, {number} standing for the
 *                           caller's number, URL-encoded (default: a web search)
 */

declare(strict_types=1);

require_once __DIR__ . '/../amijson.php';

const LIVE_DEFAULT_MAX_STREAMS = 20;
const LIVE_EXT_MAX = 20;   // digits in an extension the screen pop takes

/** An integer setting from the environment, or $default. */
function live_setting_int(string $name, int $default, int $least, int $most): int
{
    $value = getenv($name);
    if ($value === false || !ctype_digit(trim($value))) {
        return $default;
    }
    return max($least, min($most, (int) trim($value)));
}

/**
 * A page's headers: HTML, and a Content-Security-Policy that lets it load nothing from elsewhere
 * (no image, no script), so that even markup that slipped into the page could not call out.
 */
function live_page_headers(): void
{
    header('Content-Type: text/html; charset=utf-8');
    header("Content-Security-Policy: default-src 'self'; script-src 'self' 'unsafe-inline'; "
        . "style-src 'self' 'unsafe-inline'; img-src 'self'; connect-src 'self'");
}

/** HTML-escaped text. */
function h(string $text): string
{
    return htmlspecialchars($text, ENT_QUOTES | ENT_SUBSTITUTE | ENT_HTML5, 'UTF-8');
}

/**
 * One of the server's stream slots, held (flock) until this request ends, or null when all are
 * taken. A slot is a lock file: the kernel frees it when the PHP process ends, however it ends,
 * so a crashed request never keeps one.
 */
function live_take_slot(int $slots)
{
    $dir = sys_get_temp_dir() . '/amijson-live-' . (function_exists('posix_geteuid') ? posix_geteuid() : 'www');
    if (!is_dir($dir) && !@mkdir($dir, 0700) && !is_dir($dir)) {
        return null;
    }
    for ($i = 0; $i < $slots; $i++) {
        $handle = @fopen("$dir/slot-$i", 'c');
        if ($handle === false) {
            continue;
        }
        if (flock($handle, LOCK_EX | LOCK_NB)) {
            return $handle;
        }
        fclose($handle);
    }
    return null;
}

/** The extension a screen pop watches: digits only, bounded; null when $raw is not one. */
function live_extension($raw): ?string
{
    if (!is_string($raw) || $raw === '' || strlen($raw) > LIVE_EXT_MAX || !ctype_digit($raw)) {
        return null;
    }
    return $raw;
}
