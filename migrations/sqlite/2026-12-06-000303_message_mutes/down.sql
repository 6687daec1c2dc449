DROP TABLE message_mutes;
