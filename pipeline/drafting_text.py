"""The sentences of the issue form, `konten draft-from-issue` and `konten new`.

Kept beside `messages.CATALOGUE` in the same shape, `(Bahasa Indonesia, English)`, so the form
and the comments speak the SOP's language; `t` falls back to the shared catalogue for the
problems that validation reports.
"""

from __future__ import annotations


from pipeline import messages

# key: (Bahasa Indonesia, English)
CATALOGUE: dict[str, tuple[str, str]] = {
    # the issue form
    "form.name": ("Konsep konten baru", "New content draft"),
    "form.about": ("Isi formulir ini untuk mengajukan konsep konten media sosial; konten menjadi draf "
                   "pull request yang berjalan di rantai persetujuan SOP.",
                   "Fill in this form to submit a social-media content draft; it becomes a pull request "
                   "that runs through the SOP's approval chain."),
    "form.title_prefix": ("[Konten] ", "[Content] "),
    "form.intro": ("Isi setiap kolom seperti pada naskah konten biasa. Setelah dikirim, draf dibuat otomatis "
                   "dan hasil pemeriksaannya muncul sebagai komentar di sini. Untuk memperbaiki, **edit** "
                   "issue ini: draf ikut diperbarui.",
                   "Fill in each field as you would write the content. Once submitted, the draft is made "
                   "automatically and the result of its check appears as a comment here. To correct it, "
                   "**edit** this issue: the draft follows."),
    "form.title": ("Judul", "Title"),
    "form.title.about": ("Judul konten (juga nama foldernya).", "The content's title (also its folder's name)."),
    "form.kind": ("Jenis konten", "Content kind"),
    "form.kind.about": ("Pilih jenis sesuai SOP.", "Choose the kind, as in the SOP."),
    "form.platforms": ("Platform", "Platforms"),
    "form.platforms.about": ("Centang semua platform tujuan.", "Tick every platform to post to."),
    "form.caption": ("Keterangan (caption)", "Caption"),
    "form.caption.about": ("Teks yang tayang bersama konten, termasuk tagar.",
                           "The text posted with the content, hashtags included."),
    "form.caption_for": ("Keterangan khusus {platform}", "Caption for {platform} only"),
    "form.caption_for.about": ("Opsional: isi jika {platform} perlu teks yang berbeda.",
                               "Optional: fill in if {platform} needs a different text."),
    "form.media": ("Media (gambar/video)", "Media (images/videos)"),
    "form.media.about": ("Seret berkas gambar atau video ke kotak ini (atau ketuk untuk melampirkan), "
                         "satu per baris, sesuai urutan tayang.",
                         "Drag image or video files into this box (or tap to attach), one per line, "
                         "in the order they are shown."),
    "form.alt": ("Teks alternatif gambar", "Image alt text"),
    "form.alt.about": ("Satu baris untuk setiap gambar, sesuai urutan: gambarkan isinya bagi pembaca tunanetra.",
                       "One line for every image, in order: describe it for blind readers."),
    "form.publish_at": ("Waktu tayang ({zone})", "Publish time ({zone})"),
    "form.publish_at.about": ("Opsional. Kosongkan agar tayang segera setelah disetujui.",
                              "Optional. Leave empty to publish as soon as approved."),
    # konten issue-form
    "issueform.stale": ("{path} tidak sesuai sop.yml: jalankan `konten issue-form` lalu commit hasilnya.",
                        "{path} does not match sop.yml: run `konten issue-form` and commit the result."),
    "issueform.fresh": ("{path} sesuai sop.yml.", "{path} matches sop.yml."),
    "issueform.written": ("{path} ditulis dari sop.yml.", "{path} written from sop.yml."),
    # konten draft-from-issue: comments on the issue
    "draft.refused": ("Terima kasih, @{login}. Konsep dari formulir ini hanya dapat dijadikan draf oleh anggota "
                      "tim yang memiliki akses tulis ke repositori ini atau yang terdaftar sebagai penyusun "
                      "(`drafters`) di sop.yml. Mohon hubungi admin media sosial untuk didaftarkan, lalu edit "
                      "issue ini agar diproses ulang.",
                      "Thank you, @{login}. Drafts from this form can only be made by team members with write "
                      "access to this repository or listed as `drafters` in sop.yml. Please ask the "
                      "social-media admin to add you, then edit this issue to have it processed again."),
    "draft.invalid": ("Konsep ini belum dapat dijadikan draf. Perbaiki kolom berikut dengan mengedit issue ini; "
                      "pemeriksaan berjalan lagi secara otomatis:",
                      "This draft cannot be made yet. Fix the fields below by editing this issue; the check "
                      "runs again automatically:"),
    "draft.done": ("Draf konten dibuat: #{pull} (cabang `{branch}`). Persetujuan berjalan di pull request "
                   "tersebut. Untuk mengubah draf, edit issue ini.",
                   "Content draft made: #{pull} (branch `{branch}`). Approvals happen on that pull request. "
                   "To change the draft, edit this issue."),
    "draft.warnings": ("Perlu diperhatikan:", "Worth a look:"),
    "draft.pr_body": ("Draf dari issue #{issue}, diisi oleh @{login} melalui formulir \"{form}\".",
                      "Draft from issue #{issue}, filled in by @{login} through the \"{form}\" form."),
    "draft.commit": ("Draf konten: {title} (#{issue})", "Content draft: {title} (#{issue})"),
    "draft.summary": ("konten draft-from-issue: issue #{issue} → {state}",
                      "konten draft-from-issue: issue #{issue} → {state}"),
    "draft.state.drafted": ("draf dibuat", "drafted"),
    "draft.state.refused": ("ditolak: pengisi belum berhak membuat draf", "refused: the author may not make drafts"),
    "draft.state.invalid": ("belum dapat dijadikan draf: ada kolom yang perlu diperbaiki",
                            "not drafted yet: some fields need fixing"),
    "draft.state.ignored": ("diabaikan: bukan dari formulir konten", "ignored: not from the content form"),
    "draft.no_issue": ("Tidak ada nomor issue: beri --issue N atau jalankan dari peristiwa issues.",
                       "No issue number: pass --issue N or run from an issues event."),
    # attachments
    "attach.host": ("Lampiran ke-{n} bukan berkas yang diunggah ke GitHub ({host}). Seret berkasnya langsung "
                    "ke kotak Media.",
                    "Attachment {n} is not a file uploaded to GitHub ({host}). Drag the file itself into the "
                    "Media box."),
    "attach.too_large": ("Lampiran ke-{n} terlalu besar ({size}); paling besar {limit}.",
                         "Attachment {n} is too large ({size}); at most {limit}."),
    "attach.failed": ("Lampiran ke-{n} tidak dapat diunduh ({reason}). Unggah ulang berkasnya.",
                      "Attachment {n} cannot be downloaded ({reason}). Upload the file again."),
    "attach.too_many": ("Terlalu banyak lampiran: {count}, paling banyak {limit}.",
                        "Too many attachments: {count}, at most {limit}."),
    # konten new
    "new.title": ("Judul", "Title"),
    "new.kind": ("Jenis konten (nomor atau nama)", "Content kind (number or name)"),
    "new.platforms": ("Platform, pisahkan dengan koma (nomor atau nama)",
                      "Platforms, separated by commas (numbers or names)"),
    "new.caption": ("Keterangan (caption); akhiri dengan baris berisi satu titik (.)",
                    "Caption; end with a line holding a single dot (.)"),
    "new.media": ("Berkas media ke-{n} (kosongkan jika selesai)", "Media file {n} (leave empty when done)"),
    "new.alt": ("Teks alternatif untuk {file}", "Alt text for {file}"),
    "new.publish_at": ("Waktu tayang, misalnya 2026-11-30 09:00 ({zone}; kosongkan jika segera)",
                       "Publish time, such as 2026-11-30 09:00 ({zone}; empty for as soon as approved)"),
    "new.invalid_choice": ("'{value}' tidak ada di pilihan.", "'{value}' is not one of the choices."),
    "new.no_file": ("Berkas '{path}' tidak ditemukan.", "File '{path}' not found."),
    "new.required": ("Wajib diisi.", "Required."),
    "new.written": ("Konten ditulis di {path}.", "Item written to {path}."),
    "new.next": ("Langkah berikutnya: buat cabang, commit folder ini, lalu buka pull request.",
                 "Next: make a branch, commit this folder, then open a pull request."),
    "new.aborted": ("Dibatalkan: tidak ada yang ditulis.", "Aborted: nothing written."),
}


messages.register(CATALOGUE)
t = messages.t
