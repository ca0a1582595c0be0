"""Promotion pages, one module per subject:

- ``materials``: the material list and editor;
- ``builder``: application forms (list and builder);
- ``sharing``: share links, QR codes, posters and the business card;
- ``stats``: statistics and a customer's lead source;
- ``public``: the visitor's material page, its media and the privacy notice;
- ``apply``: the applicant's H5 form and its thank-you page;
- ``media``: stored files, PNG answers and the composed poster, shared by the above.
"""
