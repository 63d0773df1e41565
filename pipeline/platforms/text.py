"""The sentences of a post that did not go out: the reasons in the job summary, ledger and archive.

Same shape as `messages.CATALOGUE`, `(Bahasa Indonesia, English)`, registered into it so that
`PostError.render` translates through `messages.t`. A platform's own error text is data, never
translated: it is the `detail` parameter, shown in quotes. `{why}` is a nested reason, rendered
in the same language. Say what happened and, where someone can act, what to do.
"""

from __future__ import annotations

from pipeline import messages

# key: (Bahasa Indonesia, English)
CATALOGUE: dict[str, tuple[str, str]] = {
    # any platform (pipeline.platforms.transport)
    "post.unreachable": ("{host} tidak dapat dihubungi ({error}), juga setelah dicoba ulang. Jaringan atau layanan "
                         "platform sedang terganggu; belum ada yang dikirim.",
                         "{host} cannot be reached ({error}), even after retries. The network or the platform is "
                         "down; nothing was sent."),
    "post.no_answer": ("{host} tidak menjawab ({error}), juga setelah dicoba ulang. Belum ada kiriman yang dibuat.",
                       "{host} did not answer ({error}), even after retries. No post was made."),
    "post.lost_answer": ("Permintaan yang membuat kiriman sampai di {host}, tetapi jawabannya hilang ({error}): "
                         "kiriman mungkin sudah tayang. Periksa akun sebelum mengunggah ulang.",
                         "The request that makes the post reached {host}, but its answer was lost ({error}): the "
                         "post may be live. Check the account before posting again."),
    "post.server_error": ("{host} sedang bermasalah (HTTP {status}), juga setelah dicoba ulang: \"{detail}\".",
                          "{host} is having trouble (HTTP {status}), even after retries: \"{detail}\"."),
    "post.server_error_on_create": ("{host} galat (HTTP {status}) saat membuat kiriman: \"{detail}\". Kiriman "
                                    "mungkin sudah tayang; periksa akun sebelum mengunggah ulang.",
                                    "{host} failed (HTTP {status}) while making the post: \"{detail}\". The post "
                                    "may be live; check the account before posting again."),
    "post.rate_limited": ("{host} membatasi jumlah permintaan (HTTP 429): \"{detail}\".",
                          "{host} limits the number of requests (HTTP 429): \"{detail}\"."),
    "post.refused": ("{host} menolak permintaan (HTTP {status}): \"{detail}\".",
                     "{host} refused the request (HTTP {status}): \"{detail}\"."),
    "post.credentials": ("{host} menolak kredensial (HTTP {status}): \"{detail}\".",
                         "{host} refused the credentials (HTTP {status}): \"{detail}\"."),
    "post.renew": ("{why} Perbarui {secrets} (secret di environment GitHub).",
                   "{why} Renew {secrets} (secrets of the GitHub environment)."),
    "post.setting": ("platforms.{platform}.{key} belum diisi di sop.yml.",
                     "platforms.{platform}.{key} is not set in sop.yml."),
    "post.no_access_token": ("Jawaban login {platform} tidak berisi token akses. Coba lagi nanti.",
                             "{platform}'s login answer holds no access token. Try again later."),
    # Instagram
    "post.instagram.quota": ("Batas unggah Instagram tercapai: {used} dari {total} kiriman dalam 24 jam terakhir.",
                             "Instagram's publishing limit is reached: {used} of {total} posts in the last 24 hours."),
    "post.instagram.media": ("Instagram tidak dapat memproses media ({status}): \"{detail}\". Periksa berkasnya dan "
                             "apakah alamat publiknya dapat dibuka.",
                             "Instagram could not take the media ({status}): \"{detail}\". Check the file and that "
                             "its public URL opens."),
    "post.instagram.slow": ("Instagram masih memproses media setelah {checks} kali diperiksa; belum ada kiriman yang "
                            "dibuat.",
                            "Instagram was still processing the media after {checks} checks; no post was made."),
    # X
    "post.x.processing": ("X tidak dapat memproses {file}: \"{detail}\". Belum ada kiriman yang dibuat.",
                          "X could not process {file}: \"{detail}\". No post was made."),
    "post.x.slow": ("X masih memproses {file} setelah {seconds} detik; belum ada kiriman yang dibuat.",
                    "X was still processing {file} after {seconds} s; no post was made."),
    # YouTube
    "post.youtube.sessions": ("Sesi unggah YouTube kedaluwarsa {count} kali; belum ada video yang dibuat.",
                              "The YouTube upload session expired {count} times; no video was made."),
    "post.youtube.no_session": ("YouTube tidak membuka sesi unggah (jawabannya tanpa Location).",
                                "YouTube opened no upload session (no Location in its answer)."),
    "post.youtube.gone": ("Potongan terakhir video tidak berjawab dan sesi unggah YouTube sudah hilang: video "
                          "mungkin sudah ada. Periksa kanal sebelum mengunggah ulang.",
                          "The last piece of the video went unanswered and the YouTube upload session is gone: the "
                          "video may exist. Check the channel before posting again."),
    "post.youtube.stalls": ("Unggahan YouTube macet di byte {offset} dari {total}. {why}",
                            "The YouTube upload stalls at byte {offset} of {total}. {why}"),
    "post.youtube.stuck": ("Unggahan YouTube macet di byte {offset} dari {total}: sesi tidak menerima byte baru.",
                           "The YouTube upload stalls at byte {offset} of {total}: the session takes no more bytes."),
    "post.youtube.login": ("Login YouTube (refresh token) gagal. {why} Izinkan ulang aplikasi, lalu perbarui secret "
                           "{secret} (layar persetujuan yang masih berstatus 'Testing' membuatnya kedaluwarsa "
                           "setelah 7 hari).",
                           "The YouTube login (refresh token) failed. {why} Authorise the app again, then renew "
                           "the secret {secret} (a consent screen left in 'Testing' expires it after 7 days)."),
    # TikTok
    "post.tiktok.duration": ("Video berdurasi {duration} detik; akun TikTok ini hanya boleh mengunggah paling lama "
                             "{limit} detik.",
                             "The video lasts {duration} s; this TikTok account may post at most {limit} s."),
    "post.tiktok.raw_github": ("TikTok hanya mengambil foto dari domain yang terverifikasi di portal pengembangnya, "
                               "dan raw.githubusercontent.com tidak bisa diverifikasi. Isi KONTEN_MEDIA_BASE_URL "
                               "dengan alamat media di domain Anda yang sudah diverifikasi.",
                               "TikTok fetches photos only from a domain verified in its developer portal, and "
                               "raw.githubusercontent.com cannot be: set KONTEN_MEDIA_BASE_URL to the media on "
                               "your own verified domain."),
    "post.tiktok.login": ("Login TikTok (refresh token) gagal. {why} Bila terus terjadi, izinkan ulang aplikasi, "
                          "lalu perbarui secret {secret}.",
                          "The TikTok login (refresh token) failed. {why} If it persists, authorise the app again, "
                          "then renew the secret {secret}."),
    "post.tiktok.token_not_kept": ("TikTok memberi refresh token baru yang tidak dapat disimpan ({error}), dan token "
                                   "lama kini tidak berlaku. Izinkan ulang aplikasi, lalu perbarui secret {secret}.",
                                   "TikTok issued a new refresh token that could not be kept ({error}), and the old "
                                   "one no longer works. Authorise the app again, then renew the secret {secret}."),
    "post.tiktok.privacy": ("Privasi '{chosen}' tidak tersedia di akun TikTok ini (tersedia: {offered}). Ubah "
                            "'privacy' di konten atau di sop.yml.",
                            "Privacy '{chosen}' is not offered by this TikTok account (it offers: {offered}). "
                            "Change 'privacy' in the item or in sop.yml."),
    "post.tiktok.failed": ("TikTok tidak menayangkannya: \"{detail}\".", "TikTok did not publish it: \"{detail}\"."),
    "post.tiktok.error": ("TikTok menolak permintaan ({error}): \"{detail}\".",
                          "TikTok refused the request ({error}): \"{detail}\"."),
}

messages.register(CATALOGUE)
