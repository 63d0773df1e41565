"""Every sentence a person reads, in Bahasa Indonesia (default) and English, in one place.

Code passes message keys and parameters around; text is made only here, at the edges. Keys are
grouped by what they concern. Write for a civil servant on a phone: say what is wrong and what to
do next, with no jargon.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

_UNITS = {
    "chars": ("karakter", "characters"),
    "bytes": ("byte", "bytes"),
    "utf16": ("karakter (UTF-16)", "characters (UTF-16)"),
    "weighted": ("karakter berbobot (tautan = 23, emoji = 2)", "weighted characters (links 23, emoji 2)"),
}

# The value types `fields.type_name` reports, as people say them.
_TYPES = {
    "text": ("teks", "text"),
    "number": ("angka", "number"),
    "true/false": ("true/false (ya/tidak)", "true/false"),
    "list": ("daftar", "list"),
    "mapping": ("pasangan kunci: nilai", "mapping"),
    "(empty)": ("(kosong)", "(empty)"),
    "date": ("tanggal", "date"),
    "datetime": ("tanggal dan jam", "date and time"),
}

PLATFORM_LABELS = {"x": "X (Twitter)", "facebook": "Facebook", "instagram": "Instagram", "youtube": "YouTube",
                   "tiktok": "TikTok"}

# key: (Bahasa Indonesia, English)
CATALOGUE: dict[str, tuple[str, str]] = {
    # where a problem is
    "where.field": ("kolom {field}", "field {field}"),
    "where.platform": ("platform {platform}", "platform {platform}"),
    "hint": ("Mungkin maksud Anda '{hint}'?", "Did you mean '{hint}'?"),
    # files and YAML
    "file.not_utf8": ("Berkas ini bukan teks UTF-8 (byte ke-{offset} tidak terbaca). Simpan ulang sebagai UTF-8.",
                      "This file is not UTF-8 text (byte {offset} cannot be read). Save it again as UTF-8."),
    "yaml.bad_date": ("Tanggal/waktu '{value}' tidak ada di kalender (misalnya bulan 13 atau jam 25). "
                      "Tulis seperti 2026-11-30 09:00.",
                      "The date/time '{value}' does not exist (a 13th month or hour 25, say). "
                      "Write it like 2026-11-30 09:00."),
    "yaml.syntax": ("Penulisan YAML tidak benar: {reason}. Periksa titik dua, tanda kutip dan indentasi.",
                    "The YAML is malformed: {reason}. Check colons, quotes and indentation."),
    "field.required": ("Kolom ini wajib diisi.", "This field is required."),
    "field.type": ("Isinya harus {expected}, tetapi tertulis {got} ('{value}').",
                   "Expected {expected}, but got {got} ('{value}')."),
    "field.choice": ("'{value}' tidak dikenal. Pilihan yang tersedia: {choices}.",
                     "'{value}' is not allowed. Expected one of: {choices}."),
    "field.unknown": ("Kolom '{key}' tidak dikenal.", "Unknown field '{key}'."),
    "field.negative": ("Nilai tidak boleh negatif ({value}).", "The value must not be negative ({value})."),
    # sop.yml
    # sop.yml: office_hours and announce
    "hours.clock": ("Jam '{value}' tidak terbaca. Tulis seperti \"07:30\" (dengan tanda kutip).",
                    "Cannot read the time '{value}'. Write it like \"07:30\" (with the quotes)."),
    "hours.holiday": ("Hari libur '{value}' harus berupa tanggal seperti 2026-12-25.",
                      "Holiday '{value}' must be a date like 2026-12-25."),
    "hours.empty": ("Jam kerja harus punya paling sedikit satu hari, dan jam mulai sebelum jam selesai.",
                    "Office hours need at least one day, and a start before the end."),
    "announce.phone": ("'{value}' bukan nomor WhatsApp: tulis angka saja dengan kode negara, misalnya 6281234567890.",
                       "'{value}' is not a WhatsApp number: digits only with the country code, e.g. 6281234567890."),
    "config.missing": ("Berkas konfigurasi SOP (sop.yml) tidak ditemukan. Jalankan perintah dari folder repositori.",
                       "The SOP configuration (sop.yml) was not found. Run the command from the repository folder."),
    "config.not_mapping": ("sop.yml harus berisi pasangan kunci: nilai (misalnya 'chain:').",
                           "sop.yml must be a mapping of keys to values (such as 'chain:')."),
    "config.timezone": ("Zona waktu '{value}' tidak dikenal (contoh yang benar: Asia/Jakarta).",
                        "Unknown timezone '{value}' (for example: Asia/Jakarta)."),
    "config.kind_slug": ("Jenis konten '{value}' harus huruf kecil, angka dan tanda hubung.",
                         "Content kind '{value}' must be lower-case letters, digits and hyphens."),
    "config.no_members": ("Daftar ini tidak boleh kosong: isi dengan login GitHub.",
                          "This list must not be empty: fill in GitHub logins."),
    "config.login": ("'{value}' bukan login GitHub yang sah.", "'{value}' is not a valid GitHub login."),
    "config.empty_chain": ("Rantai persetujuan (chain) harus berisi paling sedikit satu peran.",
                           "The approval chain must list at least one role."),
    "config.duplicate_role": ("Peran '{value}' tertulis dua kali.", "Role '{value}' is listed twice."),
    "config.approvals": ("approvals harus 1 atau all, bukan '{value}'.", "approvals must be 1 or all, not '{value}'."),
    # items
    "item.no_index": ("Folder konten ini tidak memiliki index.md.", "This content folder has no index.md."),
    "item.no_front_matter": (
        "index.md harus diawali front matter: baris '---', kolom-kolom (title, kind, platforms, ...), lalu '---'.",
        "index.md must start with front matter: a '---' line, the fields (title, kind, platforms, ...), then '---'."),
    "item.front_matter_not_mapping": ("Front matter harus berisi pasangan kolom: nilai.",
                                      "The front matter must be a mapping of fields to values."),
    "item.publish_at": ("Waktu tayang '{value}' tidak terbaca. Tulis seperti 2026-11-30 09:00 (WIB).",
                        "Cannot read publish time '{value}'. Write it like 2026-11-30 09:00 (WIB)."),
    "item.no_caption": ("Keterangan (caption) kosong: tulis teks di bawah front matter.",
                        "The caption is empty: write the text below the front matter."),
    "item.no_platforms": ("Tidak ada platform tujuan: isi 'platforms', misalnya [x, facebook, instagram].",
                          "No target platform: fill 'platforms', for example [x, facebook, instagram]."),
    "item.unknown_platform": ("Platform '{value}' tidak dikenal. Pilihan: {choices}.",
                              "Unknown platform '{value}'. Expected one of: {choices}."),
    "item.platform_disabled": ("Platform '{value}' tidak diaktifkan di sop.yml.",
                               "Platform '{value}' is not enabled in sop.yml."),
    "item.duplicate_platform": ("Platform '{value}' tertulis dua kali.", "Platform '{value}' is listed twice."),
    # media
    "media.outside": ("Berkas '{file}' berada di luar folder konten. Letakkan media di folder yang sama dengan index.md.",
                      "File '{file}' is outside the item's folder. Put media in the same folder as index.md."),
    "media.missing": ("Berkas media '{file}' tidak ada di folder ini.", "Media file '{file}' is not in this folder."),
    "media.unreadable": ("Berkas '{file}' tidak dapat dibaca: {reason}.", "File '{file}' cannot be read: {reason}."),
    "media.unknown_type": ("'{file}' bukan gambar atau video yang dikenali (isi berkas diperiksa, bukan namanya).",
                           "'{file}' is not a recognised image or video (its content is checked, not its name)."),
    "media.suffix_mismatch": ("Nama '{file}' tidak sesuai isinya ({format}).",
                              "The name '{file}' does not match its content ({format})."),
    "media.alt_required": ("Gambar '{file}' wajib punya teks alternatif (alt) untuk pembaca tunanetra.",
                           "Image '{file}' needs alternative text (alt) for blind readers."),
    # platform limits
    "limit.caption": ("Keterangan terlalu panjang: {length} dari batas {limit} {unit}.",
                      "The caption is too long: {length} of at most {limit} {unit}."),
    "limit.title": ("Judul terlalu panjang: {length} dari batas {limit} karakter.",
                    "The title is too long: {length} of at most {limit} characters."),
    "limit.tags": ("Tag terlalu panjang: {length} dari batas {limit} karakter (koma dan tanda kutip ikut dihitung).",
                   "The tags are too long: {length} of at most {limit} characters (commas and quotes count)."),
    "limit.hashtags": ("Terlalu banyak tagar: {count}, paling banyak {limit}.",
                       "Too many hashtags: {count}, at most {limit}."),
    "limit.mentions": ("Terlalu banyak sebutan @: {count}, paling banyak {limit}.",
                       "Too many @ mentions: {count}, at most {limit}."),
    "limit.needs_media": ("Platform ini membutuhkan gambar atau video; tambahkan di 'media'.",
                          "This platform needs an image or a video; add one under 'media'."),
    "limit.media_count": ("Terlalu banyak berkas media: {count}, paling banyak {limit}.",
                          "Too many media files: {count}, at most {limit}."),
    "limit.format": ("Format {format} tidak diterima di sini ('{file}'). Format yang diterima: {allowed}.",
                     "Format {format} is not accepted here ('{file}'). Accepted: {allowed}."),
    "limit.file_size": ("Berkas '{file}' terlalu besar: {size}, paling besar {limit}.",
                        "File '{file}' is too large: {size}, at most {limit}."),
    "limit.duration": ("Durasi video '{file}' {duration} detik; harus antara {low} dan {high} detik.",
                       "Video '{file}' lasts {duration} s; it must be between {low} and {high} s."),
    "limit.aspect": ("Perbandingan sisi '{file}' ({width}×{height}) di luar batas {allowed}.",
                     "The aspect ratio of '{file}' ({width}×{height}) is outside {allowed}."),
    "limit.resolution": ("Resolusi '{file}' ({width}×{height}) di luar batas {allowed}.",
                         "The resolution of '{file}' ({width}×{height}) is outside {allowed}."),
    "limit.alt": ("Teks alternatif terlalu panjang: {length} dari batas {limit} karakter.",
                  "The alternative text is too long: {length} of at most {limit} characters."),
    "warn.feed_cut": ("Di beranda hanya {cut} karakter pertama yang tampil; sisanya di balik 'lainnya'.",
                      "The feed shows only the first {cut} characters; the rest hides behind 'more'."),
    "x.mix": ("X menerima sampai 4 foto, atau 1 GIF, atau 1 video — tidak dicampur.",
              "X takes up to 4 photos, or 1 GIF, or 1 video — not mixed."),
    "facebook.mix": ("Facebook tidak dapat memuat video bersama foto dalam satu kiriman.",
                     "Facebook cannot post a video together with photos."),
    "facebook.link": ("Tautan harus diawali http:// atau https:// ('{value}').",
                      "The link must start with http:// or https:// ('{value}')."),
    "youtube.one_video": ("YouTube membutuhkan tepat satu video (ada {count}).",
                          "YouTube needs exactly one video (found {count})."),
    "youtube.angle_brackets": ("YouTube tidak menerima tanda < atau > di judul dan deskripsi.",
                               "YouTube does not accept < or > in titles and descriptions."),
    "tiktok.mix": ("TikTok menerima satu video, atau beberapa foto — tidak dicampur.",
                   "TikTok takes one video, or several photos — not mixed."),
    # validate command
    "validate.ok": ("{count} konten diperiksa: semua siap tayang.", "{count} items checked: all ready to publish."),
    "validate.summary": ("{count} konten diperiksa: {errors} kesalahan, {warnings} peringatan.",
                         "{count} items checked: {errors} errors, {warnings} warnings."),
    "validate.none": ("Tidak ada konten (folder berisi index.md) di {paths}.",
                      "No items (folders with index.md) under {paths}."),
    # konten --help
    "help.description": ("Menjalankan SOP media sosial: periksa dan pratinjau draf, persetujuan berurutan, "
                         "unggah, arsip.",
                         "Run the social-media SOP: validate and preview drafts, gate approvals, publish, archive."),
    "help.usage": ("cara pakai:", "usage:"),
    "help.arguments": ("argumen", "arguments"),
    "help.options": ("pilihan", "options"),
    "help.help": ("tampilkan bantuan ini lalu keluar", "show this help and exit"),
    "help.command": ("PERINTAH", "COMMAND"),
    "help.root": ("folder repositori yang berisi sop.yml (bawaan: dicari dari sini ke atas)",
                  "repository folder holding sop.yml (default: found from here upwards)"),
    "help.lang": ("bahasa pesan (bawaan: dari sop.yml)", "language of messages (default: sop.yml)"),
    "help.validate": ("periksa konten terhadap sop.yml dan batas setiap platform",
                      "check items against sop.yml and every platform's limits"),
    "help.preview": ("tampilkan rupa konten di setiap platform", "show how items will look on each platform"),
    "help.paths": ("folder konten atau folder berisi konten (bawaan: content/)",
                   "item folders or folders of items (default: content/)"),
    "help.preview_format": ("md (untuk komentar PR) atau html", "md (for the PR comment) or html"),
    "help.check": ("nilai rantai persetujuan sebuah PR dan laporkan di GitHub",
                   "evaluate a PR's approval chain and report it on GitHub"),
    "help.pr": ("nomor PR (bawaan: PR dari GITHUB_EVENT_PATH)", "PR number (default: the PR of GITHUB_EVENT_PATH)"),
    "help.head": ("folder berisi berkas kepala PR, dibaca sebagai data untuk pratinjau",
                  "folder holding the PR head's files, read as data for previews"),
    "help.codeowners": ("tulis CODEOWNERS dari sop.yml", "write CODEOWNERS from sop.yml"),
    "help.check_fresh": ("jangan menulis: gagal bila berkas tidak sesuai sop.yml",
                         "write nothing: fail if the file does not match sop.yml"),
    "help.publish": ("unggah setiap konten yang disetujui, digabung dan sudah waktunya, tepat satu kali",
                     "post every approved, merged, due item to its platforms, exactly once"),
    "help.dry_run": ("tampilkan apa yang akan dikirim ke mana; tidak mengirim apa pun",
                     "show what would be sent where; send nothing"),
    "help.media_base_url": ("alamat publik media (Instagram dan TikTok mengambilnya dari sana)",
                            "public URL the media are served from (Instagram and TikTok fetch them)"),
    "help.ledger": ("folder ledger (bawaan: cabang data di GitHub)",
                    "ledger folder (default: the data branch on GitHub)"),
    "help.data_branch": ("cabang data yang menyimpan ledger", "the data branch that holds the ledger"),
    "help.data_checkout": ("salinan (checkout) cabang data: membaca tanpa permintaan API",
                           "a checkout of the data branch: reads cost no API request"),
    "help.remind": ("ingatkan pejabat yang langkahnya melewati standar waktu (sekali per langkah)",
                    "remind approvers whose step is past its time standard (once per step)"),
    "help.announce": ("kabari grup tentang persetujuan akhir dan konten yang sudah tayang (sekali)",
                      "tell the group chat about final approvals and items now live (once)"),
    "help.report": ("seberapa baik setiap langkah SOP memenuhi standar waktunya (Kinerja SOP)",
                    "how well each SOP step keeps its time standard (Kinerja SOP)"),
    "help.since": ("mulai tanggal ini (termasuk)", "from this date (inclusive)"),
    "help.until": ("sampai tanggal ini (termasuk)", "up to this date (inclusive)"),
    "help.report_format": ("tabel di terminal, Markdown, atau halaman arsip (bawaan: table)",
                           "a terminal table, Markdown, or the archive's page (default: table)"),
    "help.report_out": ("tulis Markdown (atau halaman) ke berkas ini", "write the Markdown (or page) to this file"),
    "help.ledger_group": ("ledger unggahan", "the publishing ledger"),
    "help.resolve": ("selesaikan unggahan berstatus tidak pasti: sudah tayang (--published URL) atau --retry",
                     "settle an unknown post: it is live (--published URL) or --retry"),
    "help.item": ("konten, misalnya 2026/11/sosialisasi-pemilih-pemula",
                  "the item, e.g. 2026/11/sosialisasi-pemilih-pemula"),
    "help.platform": ("x, facebook, instagram, youtube atau tiktok", "x, facebook, instagram, youtube or tiktok"),
    "help.published": ("unggahan sudah tayang di alamat ini", "the post is live at this address"),
    "help.retry": ("unggah lagi pada proses berikutnya", "post it again on the next run"),
    "help.force": ("juga bila sudah tayang atau sedang diunggah", "also when it is published or being posted now"),
    "help.archive_group": ("situs arsip publik", "the public archive site"),
    "help.archive_build": ("tulis halaman arsip dari content/ dan ledger, lalu bangun situsnya",
                           "write the archive's pages from content/ and the ledger, then build it"),
    "help.archive_serve": ("sajikan arsip yang sudah dibangun di http://127.0.0.1:PORT/",
                           "serve the built archive on http://127.0.0.1:PORT/"),
    "help.archive_ledger": ("checkout cabang data (bawaan: konten-data)",
                            "checkout of the data branch (default: konten-data)"),
    "help.archive_out": ("folder hasil (bawaan: site)", "output folder (default: site)"),
    "help.site_url": ("alamat publik situs (untuk feed dan tautan)",
                      "the site's public address (for the feed and links)"),
    "help.port": ("port lokal (bawaan: 8000)", "local port (default: 8000)"),
    "help.demo": ("jalankan seluruh SOP di server sandbox lokal (tanpa akun)",
                  "run the whole SOP end to end on local sandbox servers (no accounts)"),
    "help.no_serve": ("jangan sajikan arsip di akhir", "do not serve the archive at the end"),
    "help.work": ("simpan repositori, ledger dan situs demo di folder ini",
                  "keep the demo's repository, ledger and site in this folder"),
    "help.sandbox": ("jalankan server GitHub dan platform lokal, lalu tampilkan pengaturannya",
                     "start the local GitHub and platform servers and print their settings"),
    "help.issue_form": ("tulis formulir isu 'Konsep konten baru' dari sop.yml",
                        "write the 'new content' issue form from sop.yml"),
    "help.draft_from_issue": ("ubah formulir isu konten menjadi pull request",
                              "turn a content issue form into a pull request"),
    "help.issue": ("nomor isu (bawaan: isu dari GITHUB_EVENT_PATH)",
                   "issue number (default: the issue of GITHUB_EVENT_PATH)"),
    "help.new": ("tanyakan isian konten lalu tulis foldernya", "ask for an item's fields and write its folder"),
    "help.setup": ("lindungi cabang utama dengan ruleset (uji coba kecuali --apply)",
                   "protect the default branch with a ruleset (dry run unless --apply)"),
    "help.err_required": ("argumen ini wajib diisi: {names}", "these arguments are required: {names}"),
    "help.err_one_of": ("pilih salah satu: {names}", "one of these is required: {names}"),
    "help.err_unknown": ("argumen tidak dikenal: {names}", "unrecognised arguments: {names}"),
    "help.err_choice": ("{names}: pilihan {value} tidak ada (pilih dari {choices})",
                        "{names}: there is no choice {value} (choose from {choices})"),
    "help.err_value": ("{names}: nilai {value} tidak dapat dipakai", "{names}: the value {value} cannot be used"),
    "help.apply": ("terapkan perubahan (tanpa ini: hanya tampilkan)", "apply the change (without it: only show it)"),
    "cli.error": ("GAGAL", "ERROR"),
    "cli.warning": ("PERINGATAN", "WARNING"),
    "cli.path_missing": ("Path '{path}' tidak ada.", "Path '{path}' does not exist."),
    # approval chain (konten check)
    "check.heading": ("Persetujuan konten (SOP)", "Content approval (SOP)"),
    "check.count": ("{done}/{total} disetujui", "{done}/{total} approved"),
    "check.approved": ("disetujui lengkap, siap diunggah admin", "fully approved, ready for the admin to publish"),
    "check.draft": ("masih draf: tandai Ready for review untuk memulai persetujuan",
                    "still a draft: mark it Ready for review to start the approvals"),
    "check.returned": ("dikembalikan oleh {role} untuk diperbaiki", "returned by {role} for correction"),
    "check.waiting": ("menunggu {role} sejak {since}, batas {due}", "waiting for {role} since {since}, due {due}"),
    "check.overdue": ("lewat batas waktu", "overdue"),
    "check.due": ("batas {due}", "due {due}"),
    "check.minutes": ("{n} menit", "{n} min"),
    "check.no_content": ("Tidak mengubah content/: persetujuan SOP tidak diperlukan",
                         "Changes nothing under content/: no SOP approval needed"),
    "check.announce": ("📣 Persetujuan akhir diberikan untuk \"{title}\" (SOP {sop}, langkah 6). "
                       "Konten diteruskan ke admin media sosial untuk diunggah.",
                       "📣 Final approval given for \"{title}\" (SOP {sop}, step 6). "
                       "The content goes to the social-media admin to be published."),
    "check.col.step": ("Langkah", "Step"),
    "check.col.role": ("Peran", "Role"),
    "check.col.who": ("Oleh", "By"),
    "check.col.when": ("Waktu", "When"),
    "check.col.taken": ("Lama / standar", "Taken / standard"),
    "check.col.state": ("Status", "State"),
    "check.state.done": ("✅ selesai", "✅ done"),
    "check.state.approved": ("✅ ya", "✅ yes"),
    "check.state.waiting": ("⏳ giliran", "⏳ their turn"),
    "check.state.returned": ("↩️ tidak (dikembalikan)", "↩️ no (returned)"),
    "check.state.not_reached": ("— belum", "— not yet"),
    "check.notes": ("Catatan: ulasan yang tidak dihitung", "Notes: reviews that did not count"),
    "check.how": ("Cara menyetujui: buka tab **Files changed** → **Review changes** → **Approve** (*ya*) atau "
                  "**Request changes** (*tidak*). Persetujuan hanya dihitung sesuai urutan SOP.",
                  "To approve: open **Files changed** → **Review changes** → **Approve** (*yes*) or "
                  "**Request changes** (*no*). Approvals count only in the SOP's order."),
    "check.validation": ("Pemeriksaan konten", "Content check"),
    "check.no_preview": ("Pratinjau tidak tersedia pada jalankan ini.", "No preview in this run."),
    "check.footer": ("Diperbarui {now} · SOP {sop} · dibuat oleh konten", "Updated {now} · SOP {sop} · made by konten"),
    "note.author_is_member": ("Penulis PR adalah anggota peran {role}; ia tidak dapat menyetujui drafnya sendiri.",
                              "The PR author is a member of {role}; they cannot approve their own draft."),
    "note.author_self_approval": ("@{login} adalah penulis: persetujuan atas draf sendiri tidak dihitung.",
                                  "@{login} is the author: approving one's own draft does not count."),
    "note.not_member": ("@{login} bukan anggota rantai persetujuan: ulasannya tidak dihitung.",
                        "@{login} is not in the approval chain: their review does not count."),
    "note.out_of_order": ("@{login} ({role}) menyetujui sebelum gilirannya: setujui lagi saat giliran {role} tiba.",
                          "@{login} ({role}) approved before their turn: approve again when it is {role}'s turn."),
    "note.already_in_other_role": ("@{login} sudah mengisi peran lain pada draf ini: tidak dihitung untuk {role}.",
                                   "@{login} already filled another role on this draft: not counted for {role}."),
    "note.role_already_approved": ("@{login}: peran {role} sudah disetujui anggota lain; 'tidak' ini diabaikan.",
                                   "@{login}: {role} was already approved by another member; this 'no' is ignored."),
    "note.approval_withdrawn": ("@{login} menarik persetujuan {role}: draf dikembalikan.",
                                "@{login} withdrew {role}'s approval: the draft is returned."),
    "note.reset_by_return": ("Persetujuan @{login} ({role}) gugur karena draf dikembalikan oleh peran sebelumnya.",
                             "@{login}'s approval ({role}) lapsed because an earlier role returned the draft."),
    "note.stale_after_commit": ("Persetujuan @{login} ({role}) gugur karena ada perubahan sesudahnya.",
                                "@{login}'s approval ({role}) lapsed because the draft changed after it."),
    "note.stale_force_push": ("Ulasan @{login} diberikan pada versi yang sudah tidak ada.",
                              "@{login} reviewed a version that no longer exists."),
    "note.before_ready": ("Ulasan @{login} diberikan saat PR masih draf.", "@{login} reviewed while the PR was a draft."),
    "note.dismissed": ("Ulasan @{login} dibatalkan (dismissed).", "@{login}'s review was dismissed."),
    "note.chain_restarted": ("Perubahan {sha} oleh @{login}: persetujuan dimulai lagi dari peran pertama.",
                             "Change {sha} by @{login}: approvals start again from the first role."),
    "note.no_eligible_member": ("Tidak ada anggota {role} yang dapat menyetujui draf ini: hubungi admin.",
                                "No member of {role} can approve this draft: contact the admin."),
    # GitHub
    "github.repository": ("Nama repositori '{value}' tidak sah (harus pemilik/nama).",
                          "Repository name '{value}' is not valid (expected owner/name)."),
    "github.no_repository": ("GITHUB_REPOSITORY tidak diisi: jalankan di GitHub Actions atau isi variabelnya.",
                             "GITHUB_REPOSITORY is not set: run inside GitHub Actions or set it."),
    "github.api": ("GitHub menolak permintaan (HTTP {status}): {message}", "GitHub refused the request (HTTP {status}): {message}"),
    "github.unreachable": ("GitHub tidak dapat dihubungi: {reason}", "GitHub cannot be reached: {reason}"),
    "github.no_pr": ("Tidak ada nomor PR: beri --pr N atau jalankan dari peristiwa pull_request.",
                     "No PR number: pass --pr N or run from a pull_request event."),
    "check.summary": ("konten check: PR #{number} → {state} ({requests} permintaan API)",
                      "konten check: PR #{number} → {state} ({requests} API requests)"),
    "check.status.success": ("✅ lulus", "✅ passing"),
    "check.status.pending": ("⏳ menunggu", "⏳ pending"),
    "check.status.failure": ("❌ belum lulus", "❌ failing"),
    "check.invalid": ("Belum valid: {errors} kesalahan, lihat komentar", "Not valid: {errors} errors, see the comment"),
    "check.fork": ("PR ini berasal dari fork: token GitHub Actions hanya bisa membaca, jadi status, permintaan ulasan "
                   "dan komentar tidak dapat dipasang. Buat cabang di repositori ini agar rantai persetujuan berjalan.",
                   "This PR comes from a fork: the GitHub Actions token is read-only there, so the status, review "
                   "requests and comment cannot be posted. Open the branch in this repository to run the chain."),
    "codeowners.stale": ("{path} tidak sesuai sop.yml: jalankan `konten codeowners` lalu commit hasilnya.",
                         "{path} does not match sop.yml: run `konten codeowners` and commit the result."),
    "codeowners.fresh": ("{path} sesuai sop.yml.", "{path} matches sop.yml."),
    "codeowners.written": ("{path} ditulis dari sop.yml.", "{path} written from sop.yml."),
    "setup.would_create": ("Uji coba: ruleset '{name}' akan dibuat di {repo}. Jalankan dengan --apply untuk menerapkan.",
                           "Dry run: ruleset '{name}' would be created on {repo}. Run with --apply to apply it."),
    "setup.would_update": ("Uji coba: ruleset '{name}' di {repo} akan diperbarui. Jalankan dengan --apply untuk menerapkan.",
                           "Dry run: ruleset '{name}' on {repo} would be updated. Run with --apply to apply it."),
    "setup.created": ("Ruleset '{name}' dibuat di {repo}.", "Ruleset '{name}' created on {repo}."),
    "setup.updated": ("Ruleset '{name}' di {repo} diperbarui.", "Ruleset '{name}' on {repo} updated."),
    # publishing
    "publish.invalid": ("Tidak diunggah karena belum valid: {problem}", "Not published, not valid: {problem}"),
    "publish.refused": ("DITOLAK {item}: {reason}", "REFUSED {item}: {reason}"),
    "publish.not_merged": ("PR #{number} untuk {item} belum digabung (merge).", "PR #{number} for {item} is not merged."),
    "publish.not_approved": ("PR #{number} untuk {item} belum disetujui lengkap sesuai SOP ({done}/{total}): "
                             "status yang terpasang tidak dipercaya.",
                             "PR #{number} for {item} is not fully approved per the SOP ({done}/{total}): "
                             "the posted status is not trusted."),
    "publish.no_pr": ("Tidak ditemukan PR yang disetujui yang membawa {item}: konten tanpa persetujuan tidak diunggah.",
                      "No approved PR brought {item} in: content without approval is not published."),
    "publish.renamed": ("{item} berisi konten yang sama dengan {owner} (folder diganti nama): tidak diunggah lagi.",
                        "{item} has the same content as {owner} (a renamed folder): not posted again."),
    "publish.would": ("[uji coba] {item} → {platform}: teks \"{caption}\"; media: {media} {options}",
                      "[dry run] {item} → {platform}: text \"{caption}\"; media: {media} {options}"),
    "publish.no_secret": ("Kredensial belum diisi: {names} (secret di environment GitHub).",
                          "Credentials not set: {names} (secrets of the GitHub environment)."),
    "publish.unrecorded": ("{item} di {platform}: hasil '{state}' ({url}) tidak dapat dicatat di ledger: {reason}. "
                           "Konten ini tidak akan diunggah ulang otomatis. Catat hasilnya: konten ledger resolve "
                           "{item} {platform} --published {url}",
                           "{item} on {platform}: the outcome '{state}' ({url}) could not be recorded in the ledger: "
                           "{reason}. It will not be posted again by itself. Record it: konten ledger resolve "
                           "{item} {platform} --published {url}"),
    "publish.conflict": ("Catatan {item} di {platform} diubah admin selama unggah; catatan admin dipertahankan.",
                         "The record of {item} on {platform} was changed by an admin meanwhile; theirs is kept."),
    "publish.progress": ("{item} → {platform}: {what} {percent}%", "{item} → {platform}: {what} {percent}%"),
    "publish.table": ("| Konten | Platform | Hasil | Tautan / alasan |", "| Item | Platform | Result | Link / reason |"),
    "publish.nothing": ("Tidak ada konten yang perlu diunggah sekarang.", "Nothing to publish now."),
    "publish.state.published": ("✅ tayang", "✅ published"),
    "publish.state.failed": ("❌ gagal (akan dicoba lagi)", "❌ failed (will be retried)"),
    "publish.state.unknown": ("⚠️ tidak pasti: periksa akun, lalu `konten ledger resolve`",
                              "⚠️ unknown: check the account, then `konten ledger resolve`"),
    "publish.state.pending": ("⏳ sedang diunggah", "⏳ in progress"),
    "publish.state.skipped": ("⏭️ dilewati", "⏭️ skipped"),
    "publish.state.refused": ("⛔ ditolak", "⛔ refused"),
    "publish.state.dry-run": ("🔎 uji coba", "🔎 dry run"),
    "publish.state.invalid": ("🚫 belum valid: perbaiki kontennya lewat PR baru", "🚫 not valid: fix the item in a new PR"),
    "publish.state.gave-up": ("❌ gagal berulang: atasi penyebabnya, lalu `konten ledger resolve … --retry`",
                              "❌ failed repeatedly: fix the cause, then `konten ledger resolve … --retry`"),
    "publish.since": ("tercatat sejak {since}: {reason}", "on record since {since}: {reason}"),
    "publish.claimed": ("sedang ditangani proses lain", "being handled by another run"),
    "ledger.resolved": ("{item} di {platform} dicatat: {state}.", "{item} on {platform} recorded as {state}."),
    "ledger.no_record": ("Tidak ada catatan {item} di {platform}.", "No record of {item} on {platform}."),
    "ledger.not_unsettled": ("{item} di {platform} berstatus '{state}', bukan 'unknown' atau 'failed': tidak diubah. "
                             "Jika memang harus diunggah ulang (misalnya unggahannya sudah dihapus), tambahkan --force.",
                             "{item} on {platform} is '{state}', not 'unknown' or 'failed': left as it is. If it "
                             "really must be posted again (say the post was deleted), add --force."),
    "ledger.retry_note": ("Diminta unggah ulang oleh admin.", "Posting again, as the admin asked."),
    "ledger.resolved_note": ("Diselesaikan oleh admin.", "Settled by the admin."),
    "sandbox.running": ("Sandbox berjalan (Ctrl-C untuk berhenti):", "Sandbox running (Ctrl-C to stop):"),
    "sandbox.environ": ("Variabel yang mengarahkan konten ke sandbox:", "Variables that point konten at the sandbox:"),
    # previews
    "preview.heading": ("Pratinjau", "Preview"),
    "preview.scheduled": ("Dijadwalkan tayang", "Scheduled for"),
    "preview.asap": ("Tayang segera setelah disetujui dan digabung (merge)",
                     "Published as soon as approved and merged"),
    "preview.length": ("Panjang", "Length"),
    "preview.cut": ("Terpotong di beranda setelah {cut} karakter", "Cut in the feed after {cut} characters"),
    "preview.hashtags": ("Tagar", "Hashtags"),
    "preview.mentions": ("Sebutan", "Mentions"),
    "preview.media": ("Media", "Media"),
    "preview.no_media": ("(tanpa media)", "(no media)"),
    "preview.alt": ("teks alternatif", "alt text"),
    "preview.ok": ("Siap tayang", "Ready to publish"),
    "preview.title": ("Judul", "Title"),
    "preview.kind": ("Jenis", "Kind"),
    "preview.privacy": ("Visibilitas", "Visibility"),
    "preview.tags": ("Tag", "Tags"),
    "preview.errors": ("Harus diperbaiki", "Must be fixed"),
    "preview.warnings": ("Perlu diperhatikan", "Worth a look"),
    "preview.none": ("tidak ada", "none"),
}


def t(code: str, lang: str = "id", /, **params: Any) -> str:
    """The sentence for `code` in `lang`, with parameters filled in (unknown codes show the code)."""
    pair = CATALOGUE.get(code)
    if pair is None:
        return code + (f" {params}" if params else "")
    en = lang == "en"
    if "unit" in params:
        params = {**params, "unit": unit_label(params["unit"], lang)}
    for name in ("expected", "got"):
        if name in params:
            params = {**params, name: " / ".join(_TYPES.get(p, (p, p))[en] for p in str(params[name]).split(" / "))}
    text = pair[en].format(**params) if params else pair[en]
    if params.get("hint") and code != "hint":
        text += " " + t("hint", lang, hint=params["hint"])
    return text


def register(catalogue: dict[str, tuple[str, str]]) -> None:
    """Add a feature's sentences (archive, drafting...) to the one catalogue `t` reads."""
    clash = set(catalogue) & set(CATALOGUE)
    if clash:
        raise ValueError(f"message keys defined twice: {sorted(clash)}")
    CATALOGUE.update(catalogue)


def unit_label(unit: str, lang: str = "id") -> str:
    """How a platform's caption length is counted, in words."""
    return _UNITS.get(unit, (unit, unit))[lang == "en"]


def platform_label(name: str) -> str:
    return PLATFORM_LABELS.get(name, name)


def format_time(moment: datetime, tz: ZoneInfo, lang: str = "id", with_date: bool = True) -> str:
    """A moment as people in the SOP's office read it: `30 Nov 2026 09.00 WIB`."""
    local = moment.astimezone(tz)
    abbrev = local.tzname() or ""
    clock = local.strftime("%H.%M") if lang == "id" else local.strftime("%H:%M")
    if not with_date:
        return f"{clock} {abbrev}".strip()
    months = _MONTHS_ID if lang == "id" else _MONTHS_EN
    return f"{local.day} {months[local.month - 1]} {local.year} {clock} {abbrev}".strip()


def format_duration(delta: timedelta, lang: str = "id") -> str:
    minutes = int(delta.total_seconds() // 60)
    hours, mins = divmod(minutes, 60)
    unit_h, unit_m = ("jam", "menit") if lang == "id" else ("h", "min")
    return f"{hours} {unit_h} {mins} {unit_m}" if hours else f"{mins} {unit_m}"


_MONTHS_ID = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]
_MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
