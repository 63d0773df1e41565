"""The sentences `konten demo` prints: the narration of the SOP played on the sandbox.

Same shape as `messages.CATALOGUE`, `(Bahasa Indonesia, English)`, registered into it. The demo is
often the first thing an office sees, so it speaks in SOP terms (who does what, at which step),
not in GitHub's: an approver *says ya*, the admin *takes in* the final draft. The review notes are
what the demo's officials write, so they follow the language too.
"""

from __future__ import annotations

from pipeline import messages

# key: (Bahasa Indonesia, English)
CATALOGUE: dict[str, tuple[str, str]] = {
    "demo.sandbox": ("Tiruan GitHub dan platform media sosial berjalan di komputer ini, tanpa internet dan akun:",
                     "Imitations of GitHub and the social-media platforms run here, with no network or accounts:"),
    "demo.unchecked": ("(Spesifikasi resmi platform dari folder shared/ tidak ada di sini: tiruan menerima permintaan "
                       "tanpa memeriksanya terhadap spesifikasi. Pengujian selalu memeriksanya.)",
                       "(The platforms' official specs from shared/ are not here: the imitations take requests "
                       "without checking them against the specs. The tests always check them.)"),
    "demo.step": ("langkah {step}", "step {step}"),
    "demo.scheduled": ("tugas terjadwal", "scheduled job"),
    "demo.job.remind": ("mengingatkan penyetuju yang melewati batas waktu",
                        "reminds approvers past their time standard"),
    "demo.job.announce": ("mengabarkan ke grup Telegram", "tells the Telegram group"),
    "demo.pr_title": ("Konsep: {title}", "Draft: {title}"),
    # what each actor does, after their name
    "demo.submits": ("mengajukan konsep \"{title}\" untuk disetujui (membuka pull request)",
                     "submits the draft \"{title}\" for approval (opens a pull request)"),
    "demo.approves": ("menyetujui (ya): “{note}”", "approves (yes): “{note}”"),
    "demo.returns": ("tidak menyetujui (tidak), konsep dikembalikan: “{note}”",
                     "does not approve (no), the draft goes back: “{note}”"),
    "demo.corrects": ("memperbaiki konsep sesuai catatan; persetujuan dimulai lagi dari awal",
                      "corrects the draft as asked; the approvals start again from the first role"),
    "demo.merges": ("menerima konsep final yang sudah disetujui (merge ke cabang utama)",
                    "takes in the approved final draft (merges it into the main branch)"),
    "demo.publishes": ("mengunggah konten ke semua platform (otomatis setelah merge)",
                       "publishes the item on every platform (automatically after the merge)"),
    "demo.published": ("Pengunggahan selesai tanpa galat.", "Publishing finished without errors."),
    "demo.publish_failed": ("Pengunggahan berakhir dengan galat (kode {code}); lihat tabel unggahan di bawah.",
                            "Publishing ended with errors (code {code}); see the table of posts below."),
    # the review notes the demo's officials write
    "demo.note.on_to_kabag": ("Ya, lanjut ke Kabag.", "Yes, on to the Head of Division."),
    "demo.note.fix_first": ("Tidak: tulis lengkap 'cukup dengan NIK', perbaiki dulu.",
                            "No: write 'cukup dengan NIK' in full, fix it first."),
    "demo.note.yes": ("Ya.", "Yes."),
    "demo.note.fixed": ("Ya, sudah diperbaiki.", "Yes, it is fixed now."),
    "demo.note.publish": ("Ya, terbitkan.", "Yes, publish it."),
    # what an approver sees after every event
    "demo.status.pending": ("menunggu persetujuan", "waiting for approval"),
    "demo.status.success": ("disetujui lengkap", "fully approved"),
    "demo.status.failure": ("dikembalikan", "returned"),
    "demo.status.error": ("galat", "error"),
    "demo.comment": ("Komentar di pull request (yang dilihat penyetuju)", "Pull request comment (what approvers see)"),
    # the closing tables
    "demo.record": ("Catatan SOP konten ini", "This item's SOP record"),
    "demo.col.overdue": ("Lewat batas", "Overdue"),
    "demo.posts": ("Unggahan", "Posts"),
    "demo.col.platform": ("Platform", "Platform"),
    "demo.col.link": ("Tautan", "Link"),
}


messages.register(CATALOGUE)
